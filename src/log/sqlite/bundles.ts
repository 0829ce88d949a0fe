/**
 * Byte layouts of the embedded log's bundled rows (see schema.ts).
 *
 * An entry bundle holds up to {@link ENTRIES_PER_BUNDLE} consecutive entries back to back in one
 * BLOB, with a second BLOB of little-endian uint32 end offsets, one per entry. A sealed bundle holds
 * the ciphertext of one appended batch the same way, with a JSON index naming each blob's position
 * and subject.
 */

/**
 * Entries per bundle row at most. Measured on 1 KB entries (bench/append's): 32 to 64 write as
 * cheaply as 256, and reading one entry through the log (a proof, a stream) costs about 50 µs
 * instead of 150–300.
 */
export const ENTRIES_PER_BUNDLE = 32;

/** Packs entries back to back; `ends[i]` is where entry i ends. */
export const packBundle = (entries: readonly Uint8Array[]): { ends: Buffer; bytes: Buffer } => {
  const ends = Buffer.allocUnsafe(entries.length * 4);
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    total += entries[i]!.byteLength;
    ends.writeUInt32LE(total, i * 4);
  }
  const bytes = Buffer.allocUnsafe(total);
  let at = 0;
  for (const e of entries) {
    bytes.set(e, at);
    at += e.byteLength;
  }
  return { ends, bytes };
};

/** How many entries a bundle's `ends` column describes. */
export const bundleCount = (ends: Uint8Array): number => ends.byteLength >>> 2;

/** Byte range of entry `i` of a bundle. */
export const entryRange = (ends: Buffer, i: number): [start: number, end: number] => [
  i === 0 ? 0 : ends.readUInt32LE((i - 1) * 4),
  ends.readUInt32LE(i * 4),
];

/** One subject's ciphertext of one entry. */
export interface SealedItem {
  readonly position: number;
  readonly subject: string;
  readonly blob: Uint8Array;
}

/** A batch's ciphertext as one row: sorted distinct subjects, `[position, subject, end]` per blob, the blobs. */
export const packSealed = (
  items: readonly SealedItem[],
): { subjects: string; index: string; blobs: Buffer } => {
  const index: [number, string, number][] = [];
  let end = 0;
  for (const it of items) index.push([it.position, it.subject, (end += it.blob.byteLength)]);
  const blobs = Buffer.allocUnsafe(end);
  let at = 0;
  for (const it of items) {
    blobs.set(it.blob, at);
    at += it.blob.byteLength;
  }
  return {
    subjects: JSON.stringify([...new Set(items.map((it) => it.subject))].sort()),
    index: JSON.stringify(index),
    blobs,
  };
};

/** The items of a sealed row, each blob a view into `blobs`: a caller copies what it keeps. */
export const unpackSealed = (index: string, blobs: Buffer): SealedItem[] => {
  const rows = JSON.parse(index) as [number, string, number][];
  let start = 0;
  return rows.map(([position, subject, end]) => {
    const blob = blobs.subarray(start, end);
    start = end;
    return { position, subject, blob };
  });
};
