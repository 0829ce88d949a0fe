import { packSealed, unpackSealed } from './bundles.js';
import type { Db } from './open.js';

interface SealedRow {
  first: number;
  items: string;
  blobs: Buffer;
}

/**
 * Reads and erases the ciphertext in `sealed_bundles` (schema.ts). A subject's rows are found by its
 * JSON-quoted name in the row's `subjects`; erasing rewrites each such row without the subject's
 * blobs, or deletes it when nothing else is left, in one transaction.
 */
export const createSealedBundles = (db: Db) => {
  const rowAt = db.prepare<[number], SealedRow & { last: number }>(
    'SELECT first, last, items, blobs FROM sealed_bundles WHERE first <= ? ORDER BY first DESC LIMIT 1',
  );
  const rowsWith = db.prepare<[string], SealedRow>(
    'SELECT first, items, blobs FROM sealed_bundles WHERE instr(subjects, ?) > 0 ORDER BY first',
  );
  const rewrite = db.prepare<[string, string, Buffer, number]>(
    'UPDATE sealed_bundles SET subjects = ?, items = ?, blobs = ? WHERE first = ?',
  );
  const remove = db.prepare<[number]>('DELETE FROM sealed_bundles WHERE first = ?');
  const any = db.prepare('SELECT 1 FROM sealed_bundles LIMIT 1').pluck();

  // The last row read (views into its buffer), by position and subject: readers page through
  // neighbouring positions. Every blob handed out is a copy.
  let cached: { first: number; last: number; blobs: Map<string, Uint8Array> } | undefined;
  const keyOf = (position: number, subject: string): string => `${position}\u0000${subject}`;

  const blobAt = (position: number, subject: string): Uint8Array | null => {
    if (!cached || position < cached.first || position > cached.last) {
      const row = rowAt.get(position);
      if (!row || row.last < position) return null;
      const blobs = new Map<string, Uint8Array>();
      for (const it of unpackSealed(row.items, row.blobs))
        blobs.set(keyOf(it.position, it.subject), it.blob);
      cached = { first: row.first, last: row.last, blobs };
    }
    const blob = cached.blobs.get(keyOf(position, subject));
    return blob ? Buffer.from(blob) : null;
  };

  const blobsOf = (subject: string): Uint8Array[] =>
    rowsWith.all(JSON.stringify(subject)).flatMap((row) =>
      unpackSealed(row.items, row.blobs)
        .filter((it) => it.subject === subject)
        .map((it) => Buffer.from(it.blob)),
    );

  const deleteSubject = db.transaction((subject: string): number => {
    cached = undefined;
    let removed = 0;
    for (const row of rowsWith.all(JSON.stringify(subject))) {
      const items = unpackSealed(row.items, row.blobs);
      const kept = items.filter((it) => it.subject !== subject);
      removed += items.length - kept.length;
      if (kept.length === 0) remove.run(row.first);
      else {
        const packed = packSealed(kept);
        rewrite.run(packed.subjects, packed.index, packed.blobs, row.first);
      }
    }
    return removed;
  });

  return { blobAt, blobsOf, deleteSubject, holdsAny: () => any.get() !== undefined };
};
