import type { Db } from './open.js';

/**
 * Tables of the embedded log: entries, sealed ciphertext, Merkle tiles, signed checkpoints.
 *
 * `sealed_blobs` is keyed by (position, subject), so a batch writes at the end of one B-tree. A
 * B-tree keyed by subject would take one random leaf write per sealed event and rewrite most of its
 * pages at every commit; instead `sealed_batches` keeps one row per batch that sealed anything, with
 * the JSON array of its subjects, and erasure scans those rows (one per batch, not per event).
 */
export const migrateLog = (db: Db): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS events (
      position    INTEGER PRIMARY KEY,
      id          TEXT NOT NULL UNIQUE,
      type        TEXT NOT NULL,
      stream      TEXT NOT NULL,
      recorded_at TEXT NOT NULL,
      entry       BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS events_by_stream ON events (stream, position);
    CREATE TABLE IF NOT EXISTS sealed_blobs (
      position INTEGER NOT NULL,
      subject  TEXT NOT NULL,
      blob     BLOB NOT NULL,
      PRIMARY KEY (position, subject)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS sealed_batches (
      first    INTEGER PRIMARY KEY,
      last     INTEGER NOT NULL,
      subjects TEXT NOT NULL
    );
  `);
  migrateTreeTables(db);
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
