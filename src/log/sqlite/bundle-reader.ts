import { bundleCount, entryRange } from './bundles.js';
import type { Db } from './open.js';

/** One entry read back from its bundle: its position and exact bytes (a view into the bundle). */
export interface BundledEntry {
  readonly position: number;
  readonly entry: Buffer;
}

interface BundleRow {
  first: number;
  ends: Buffer;
  entries: Buffer;
}

const bundleColumns = 'first, ends, entries';

/** Entries `from`..`to` (exclusive) of a bundle row, appended to `out`. */
const split = (row: BundleRow, from: number, to: number, out: BundledEntry[]): void => {
  for (let i = from - row.first; i < to - row.first; i++) {
    const [start, end] = entryRange(row.ends, i);
    out.push({ position: row.first + i, entry: row.entries.subarray(start, end) });
  }
};

/**
 * Reads entries out of `entry_bundles` (schema.ts): ranges in log order, single positions, and the
 * log's size. Works on a read-write or a read-only connection.
 */
export const createBundleReader = (db: Db) => {
  const fromBundle = db.prepare<[number], BundleRow>(
    `SELECT ${bundleColumns} FROM entry_bundles
     WHERE first >= (SELECT IFNULL(MAX(first), 0) FROM entry_bundles WHERE first <= ?) ORDER BY first`,
  );
  const bundleAt = db.prepare<[number], BundleRow>(
    `SELECT ${bundleColumns} FROM entry_bundles WHERE first <= ? ORDER BY first DESC LIMIT 1`,
  );
  const last = db.prepare<[], { first: number; ends: Buffer }>(
    'SELECT first, ends FROM entry_bundles ORDER BY first DESC LIMIT 1',
  );

  /** Up to `limit` entries from `from` on, in log order. */
  const read = (from: number, limit: number): BundledEntry[] => {
    const out: BundledEntry[] = [];
    if (limit <= 0) return out;
    for (const row of fromBundle.iterate(from)) {
      const count = bundleCount(row.ends);
      const start = Math.max(from, row.first);
      split(row, start, Math.min(row.first + count, start + limit - out.length), out);
      if (out.length >= limit) break;
    }
    return out;
  };

  /** The entries at `positions` (ascending), each bundle read once; missing positions are left out. */
  const at = (positions: readonly number[]): BundledEntry[] => {
    const out: BundledEntry[] = [];
    let row: BundleRow | undefined;
    for (const p of positions) {
      if (!row || p < row.first || p >= row.first + bundleCount(row.ends)) row = bundleAt.get(p);
      if (row && p < row.first + bundleCount(row.ends)) split(row, p, p + 1, out);
    }
    return out;
  };

  /** Number of entries: the end of the last bundle. */
  const size = (): number => {
    const row = last.get();
    return row ? row.first + bundleCount(row.ends) : 0;
  };

  return { read, at, size };
};

/**
 * The event type of a canonical entry, read from its last bytes without decoding it: RFC 8785 sorts
 * the envelope's keys and `type` sorts last, so every entry ends `"type":"<Type>"}`. Undefined when
 * the entry does not end that way (a caller then parses it).
 */
export const entryTypeOf = (entry: Buffer): string | undefined => {
  const n = entry.length;
  if (n < 2 || entry[n - 1] !== 0x7d || entry[n - 2] !== 0x22) return undefined;
  const at = entry.lastIndexOf('"type":"');
  if (at < 0) return undefined;
  const type = entry.toString('latin1', at + 8, n - 2);
  return /^[A-Za-z.]+$/.test(type) ? type : undefined;
};
