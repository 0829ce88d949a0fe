import { commitmentOf } from '../../crypto/seal.js';
import type { PreparedEvent } from '../event-log.js';
import { truncateWal, type Db } from '../sqlite/open.js';

/** Sealed ciphertext in the sequencer's file, found by the commitment its log entry holds. */
export const createSealedStore = (db: Db) => {
  const insert = db.prepare<[string, string, Uint8Array]>(
    'INSERT INTO sealed (subject, commitment, blob) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const byCommitment = db.prepare<[string, string], { blob: Buffer }>(
    'SELECT blob FROM sealed WHERE subject = ? AND commitment = ?',
  );
  const ofSubject = db.prepare<[string], { blob: Buffer }>(
    'SELECT blob FROM sealed WHERE subject = ?',
  );
  const remove = db.prepare<[string]>('DELETE FROM sealed WHERE subject = ?');
  const any = db.prepare('SELECT 1 FROM sealed LIMIT 1').pluck();

  /** Stores a batch's ciphertext before the batch is appended (one transaction, fsynced). */
  const put = db.transaction((batch: readonly PreparedEvent[]): void => {
    for (const p of batch)
      for (const s of p.sealedBlobs) insert.run(s.subject, commitmentOf(s.blob), s.blob);
  });

  return {
    put,
    get: (subject: string, commitment: string): Uint8Array | null =>
      byCommitment.get(subject, commitment)?.blob ?? null,
    ofSubject: (subject: string): Uint8Array[] =>
      ofSubject.all(subject).map((r) => new Uint8Array(r.blob)),
    deleteSubject: (subject: string): number => {
      const n = remove.run(subject).changes;
      truncateWal(db);
      return n;
    },
    truncateWal: () => truncateWal(db),
    holdsAny: (): boolean => any.get() !== undefined,
  };
};
