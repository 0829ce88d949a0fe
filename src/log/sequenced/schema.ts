import { migrateTreeTables } from '../sqlite/schema.js';
import type { Db } from '../sqlite/open.js';

/**
 * The Merkle sequencer's own SQLite file, beside a log kept on another engine: how far the tree is
 * integrated, its tiles and checkpoints, and the sealed ciphertext.
 *
 * Ciphertext is keyed by (subject, commitment), not by position: it is stored before its event is
 * appended (the position is not known yet), and a retried append seals again under a fresh nonce,
 * so an attempt that never reached the log leaves a row no entry commits to. Those rows are still
 * the subject's, and erasure deletes them with the rest.
 */
export const migrateSequencer = (db: Db): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS sequencer (
      id   INTEGER PRIMARY KEY CHECK (id = 0),
      size INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS sealed (
      subject    TEXT NOT NULL,
      commitment TEXT NOT NULL,
      blob       BLOB NOT NULL,
      PRIMARY KEY (subject, commitment)
    ) WITHOUT ROWID;
  `);
  migrateTreeTables(db);
};

/** How many leaves the sequencer has integrated and saved (0 before the first). */
export const savedSize = (db: Db): number =>
  db.prepare<[], { size: number }>('SELECT size FROM sequencer WHERE id = 0').get()?.size ?? 0;
