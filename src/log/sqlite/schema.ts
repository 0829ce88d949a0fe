import type { Db } from './open.js';
import { migrateRowLayout } from './migrate-row-layout.js';

/**
 * Tables of the embedded log: entries, their ids and streams, sealed ciphertext, Merkle tiles,
 * signed checkpoints.
 *
 * Appends cost about what the bytes cost: per event, one `event_ids` row (the idempotency key)
 * and a share of a few bundled rows, all at the end of their B-trees.
 * - `entry_bundles`: up to 32 consecutive entries per row (`ENTRIES_PER_BUNDLE`), keyed by
 *   the first one's position, with their end offsets (bundles.ts). A batch fills new rows only.
 * - `stream_runs`: one row per stream per appended batch, the positions it took as a JSON array,
 *   keyed by (stream, last position): a stream reads in log order without a per-event index row.
 * - `sealed_bundles`: one row per batch that sealed anything: the sorted subjects (erasure scans
 *   these), an index of `[position, subject, end]`, and the ciphertext back to back. Erasing a
 *   subject rewrites the rows that name it without its blobs (`secure_delete` zeroes the old pages).
 */
export const migrateLog = (
  db: Db,
  /** Progress of moving an older file into entry bundles (see migrate-row-layout.ts), if it has to. */
  onMigrate?: (done: number, total: number) => void,
): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS entry_bundles (
      first   INTEGER PRIMARY KEY,
      ends    BLOB NOT NULL,
      entries BLOB NOT NULL
    );
    CREATE TABLE IF NOT EXISTS event_ids (
      id       TEXT PRIMARY KEY,
      position INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS stream_runs (
      stream    TEXT NOT NULL,
      last      INTEGER NOT NULL,
      positions TEXT NOT NULL,
      PRIMARY KEY (stream, last)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS sealed_bundles (
      first    INTEGER PRIMARY KEY,
      last     INTEGER NOT NULL,
      subjects TEXT NOT NULL,
      items    TEXT NOT NULL,
      blobs    BLOB NOT NULL
    );
  `);
  migrateTreeTables(db);
  migrateRowLayout(db, onMigrate);
};

/** Merkle tiles and signed checkpoints: in the log's file, or in the sequencer's beside another log. */
export const migrateTreeTables = (db: Db): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS tiles (
      level  INTEGER NOT NULL,
      idx    INTEGER NOT NULL,
      hashes BLOB NOT NULL,
      PRIMARY KEY (level, idx)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS checkpoints (
      size         INTEGER PRIMARY KEY,
      root         BLOB NOT NULL,
      note         TEXT NOT NULL,
      published_at TEXT NOT NULL
    );
  `);
};
