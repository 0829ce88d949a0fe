import { hash, randomBytes } from 'node:crypto';
import { openSqlite, truncateWal } from '../log/sqlite/open.js';

/**
 * Sealed ciphertext captured just before the built-in task deleted it, kept until the case is
 * certified so the canary scan can look for leftover copies, even after a restart in between.
 */
export interface ScanTargets {
  /** Keeps blobs for a case; a blob it already holds for the case is not kept twice. */
  add(caseId: string, blobs: readonly Uint8Array[]): void;
  of(caseId: string): Uint8Array[];
  /** Forgets a case's blobs, overwriting them on disk. */
  drop(caseId: string): void;
  /** The cases that have blobs kept. */
  cases(): string[];
  close(): void;
}

const xor = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((x, i) => x ^ b[i]!);

/**
 * Scan targets in a SQLite file. Each blob is stored XOR a fresh random mask of its length, beside
 * the mask and its SHA-256: none holds the blob's bytes, so the scan of the data directory does not
 * find the targets themselves. Rows are deleted with `secure_delete` and the WAL truncated.
 */
export const createSqliteScanTargets = (file: string): ScanTargets => {
  const db = openSqlite(file);
  db.pragma('secure_delete = ON');
  db.exec(`
    CREATE TABLE IF NOT EXISTS captured (
      case_id TEXT NOT NULL,
      seq     INTEGER NOT NULL,
      digest  TEXT NOT NULL,
      masked  BLOB NOT NULL,
      mask    BLOB NOT NULL,
      PRIMARY KEY (case_id, seq),
      UNIQUE (case_id, digest)
    ) WITHOUT ROWID
  `);
  const next = db.prepare<[string], { n: number }>(
    'SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM captured WHERE case_id = ?',
  );
  const insert = db.prepare<[string, number, string, Uint8Array, Uint8Array]>(
    'INSERT INTO captured (case_id, seq, digest, masked, mask) VALUES (?, ?, ?, ?, ?) ON CONFLICT (case_id, digest) DO NOTHING',
  );
  const select = db.prepare<[string], { masked: Buffer; mask: Buffer }>(
    'SELECT masked, mask FROM captured WHERE case_id = ? ORDER BY seq',
  );
  const remove = db.prepare<[string]>('DELETE FROM captured WHERE case_id = ?');
  const caseIds = db
    .prepare<[], string>('SELECT DISTINCT case_id FROM captured ORDER BY case_id')
    .pluck();
  const add = db.transaction((caseId: string, blobs: readonly Uint8Array[]) => {
    let seq = next.get(caseId)?.n ?? 0;
    for (const blob of blobs) {
      const mask = randomBytes(blob.length);
      insert.run(caseId, seq++, hash('sha256', blob, 'hex'), xor(blob, mask), mask);
    }
  });
  return {
    add: (caseId, blobs) => {
      add(caseId, blobs);
    },
    of: (caseId) => select.all(caseId).map((r) => xor(r.masked, r.mask)),
    drop: (caseId) => {
      remove.run(caseId);
      truncateWal(db);
    },
    cases: () => caseIds.all(),
    close: () => {
      db.close();
    },
  };
};
