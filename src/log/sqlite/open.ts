import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

/** Bytes a write-ahead log is cut back to when it restarts (64 MiB). */
export const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

/** Opens a SQLite file in WAL mode with full fsync on commit: an acknowledged write survives a crash. */
export const openSqlite = (file: string, options: { readonly?: boolean } = {}): Db => {
  if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
  });
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // Once readers let SQLite restart the WAL, the file shrinks back to this size: without it the
    // file keeps its largest size for ever, and gouvernail_sqlite_wal_bytes could not show a new
    // stuck reader until the WAL outgrew the last one's.
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  }
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
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
