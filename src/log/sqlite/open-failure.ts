import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** A SQLite file that could not be opened; the message names the file and what opening it needs. */
export class SqliteOpenError extends Error {
  override readonly name = 'SqliteOpenError';
  /** The driver's result code (`SQLITE_CANTOPEN`, `SQLITE_READONLY`, …), when it gave one. */
  readonly code: string | undefined;
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    const code = (cause as { code?: unknown } | null)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

const may = (path: string, mode: number): boolean => {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
};

const user = (): string => {
  const uid = process.getuid?.();
  return uid === undefined ? 'this user' : `user ${uid}`;
};

/** Whether SQLite may create `file`'s `-wal` and `-shm` beside it. */
export const directoryWritable = (file: string): boolean =>
  may(dirname(file), constants.W_OK | constants.X_OK);

/** Whether `file`'s write-ahead log holds writes not yet checkpointed into it. */
export const walHoldsWrites = (file: string): boolean =>
  (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0;

/** What opening `file` needs that this process lacks, or undefined when no permission explains it. */
const missingAccess = (file: string, readonly: boolean): string | undefined => {
  const dir = dirname(file);
  if (existsSync(dir) && !may(dir, constants.X_OK))
    return `${user()} needs access to its directory ${dir}`;
  if (readonly) {
    if (!existsSync(file)) return 'it does not exist';
    if (!may(file, constants.R_OK)) return `${user()} needs read access to it`;
    if (walHoldsWrites(file) && !existsSync(`${file}-shm`) && !directoryWritable(file))
      return `${file}-wal holds writes not yet in it, and reading them needs ${file}-shm, which ${user()} may not create: it needs write access to ${dir} (or copy the files to a directory it may write)`;
    return undefined;
  }
  if (existsSync(file) && !may(file, constants.R_OK | constants.W_OK))
    return `${user()} needs read and write access to it`;
  if (!directoryWritable(file))
    return `${user()} needs write access to its directory ${dir}, where SQLite keeps ${file}-wal and ${file}-shm`;
  return undefined;
};

/** The error to throw when opening the SQLite `file` failed with `cause`. */
export const sqliteOpenError = (
  file: string,
  cause: unknown,
  { readonly = false }: { readonly?: boolean } = {},
): SqliteOpenError =>
  new SqliteOpenError(
    `cannot open ${file}${readonly ? ' to read it' : ''}: ${missingAccess(file, readonly) ?? (cause instanceof Error ? cause.message : String(cause))}`,
    cause,
  );
