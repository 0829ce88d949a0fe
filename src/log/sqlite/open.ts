import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { directoryWritable, sqliteOpenError, walHoldsWrites } from './open-failure.js';

export type Db = Database.Database;

// better-sqlite3 reads this once, when it opens its first database: URI filenames let a read-only
// open ask for `immutable=1` (see `readOnlyName`). The paths given here are never `file:` URIs.
process.env.SQLITE_USE_URI = '1';

/** Bytes a write-ahead log is cut back to when it restarts (64 MiB). */
export const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

/**
 * The name to open `file` read-only by. A log in WAL mode is read through its `-shm` file, which
 * SQLite creates beside it; in a directory this process may not write (an auditor's read-only copy)
 * a file with no pending writes is opened as immutable instead, which needs no `-shm`.
 */
const readOnlyName = (file: string): string =>
  !directoryWritable(file) && !walHoldsWrites(file) && !existsSync(`${file}-shm`)
    ? `${pathToFileURL(file).href}?immutable=1`
    : file;

/**
 * Opens a SQLite file in WAL mode with full fsync on commit: an acknowledged write survives a crash.
 * A file that cannot be opened throws a {@link SqliteOpenError} naming it and the access it needs.
 */
export const openSqlite = (file: string, options: { readonly?: boolean } = {}): Db => {
  const readonly = options.readonly ?? false;
  let db: Db | undefined;
  try {
    if (file !== ':memory:' && !readonly) mkdirSync(dirname(file), { recursive: true });
    db = new Database(readonly ? readOnlyName(file) : file, { readonly, fileMustExist: readonly });
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // Once readers let SQLite restart the WAL, the file shrinks back to this size: without it the
      // file keeps its largest size for ever, and gouvernail_sqlite_wal_bytes could not show a new
      // stuck reader until the WAL outgrew the last one's.
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
    }
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // A WAL file's schema is read on first use: a file it cannot read fails here, not later.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (cause) {
    db?.close();
    throw sqliteOpenError(file, cause, { readonly });
  }
};

/** How long a WAL truncation after an erasure waits for readers before giving up (the thread is blocked meanwhile). */
const TRUNCATE_WAIT_MS = 250;

/**
 * Checkpoints the WAL into the database and truncates it to zero bytes, so that rows deleted with
 * `secure_delete` leave no copy in `-wal`. A reader (another process in a read transaction) keeps
 * the old pages; this waits for it briefly, not the connection's full busy timeout, and returns
 * false when the WAL could not be emptied. Call it again once that reader has finished.
 */
export const truncateWal = (db: Db): boolean => {
  const wait = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${TRUNCATE_WAIT_MS}`);
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    return result === undefined || result.busy === 0;
  } finally {
    db.pragma(`busy_timeout = ${wait}`);
  }
};
