import type { PreparedEvent } from '../event-log.js';
import { ENTRIES_PER_BUNDLE, packBundle, packSealed, type SealedItem } from './bundles.js';
import type { Db } from './open.js';

/** Ids per duplicate lookup. */
const LOOKUP = 256;

/** The rows one appended run of entries takes, in the layout schema.ts describes. */
export interface EntryRun {
  readonly ids: readonly string[];
  readonly streams: readonly string[];
  readonly entries: readonly Uint8Array[];
  readonly sealed: readonly SealedItem[];
}

/**
 * Writes a batch's rows and looks its ids up in bulk. Per event that is one `event_ids` row; the
 * entries, the stream index and the ciphertext go in a few bundled rows per batch. Must be called
 * inside the append transaction.
 */
export const createBatchWriter = (db: Db) => {
  const lookups = new Map<number, ReturnType<typeof lookupStatement>>();
  const lookupStatement = (n: number) =>
    db.prepare<unknown[], { id: string; position: number }>(
      `SELECT id, position FROM event_ids WHERE id IN (${Array.from({ length: n }, () => '?').join(',')})`,
    );
  const insertBundle = db.prepare<[number, Buffer, Buffer]>(
    'INSERT INTO entry_bundles (first, ends, entries) VALUES (?, ?, ?)',
  );
  const insertId = db.prepare<[string, number]>(
    'INSERT INTO event_ids (id, position) VALUES (?, ?)',
  );
  const insertRun = db.prepare<[string, number, string]>(
    'INSERT INTO stream_runs (stream, last, positions) VALUES (?, ?, ?)',
  );
  const insertSealed = db.prepare<[number, number, string, string, Buffer]>(
    'INSERT INTO sealed_bundles (first, last, subjects, items, blobs) VALUES (?, ?, ?, ?, ?)',
  );

  const positionsOf = (ids: readonly string[]): Map<string, number> => {
    const found = new Map<string, number>();
    for (let at = 0; at < ids.length; at += LOOKUP) {
      const chunk = ids.slice(at, at + LOOKUP);
      let statement = lookups.get(chunk.length);
      if (!statement) lookups.set(chunk.length, (statement = lookupStatement(chunk.length)));
      for (const r of statement.all(...chunk)) found.set(r.id, r.position);
    }
    return found;
  };

  /** Stores `run` at positions `first`, `first + 1`, … */
  const insertRunAt = (first: number, run: EntryRun): void => {
    const n = run.entries.length;
    if (n === 0) return;
    for (let at = 0; at < n; at += ENTRIES_PER_BUNDLE) {
      const { ends, bytes } = packBundle(run.entries.slice(at, at + ENTRIES_PER_BUNDLE));
      insertBundle.run(first + at, ends, bytes);
    }
    const byStream = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      insertId.run(run.ids[i]!, first + i);
      const stream = run.streams[i]!;
      const positions = byStream.get(stream);
      if (positions) positions.push(first + i);
      else byStream.set(stream, [first + i]);
    }
    for (const [stream, positions] of byStream)
      insertRun.run(stream, positions[positions.length - 1]!, JSON.stringify(positions));
    if (run.sealed.length > 0) {
      const { subjects, index, blobs } = packSealed(run.sealed);
      insertSealed.run(first, first + n - 1, subjects, index, blobs);
    }
  };

  /** Stores prepared events at positions `first`, `first + 1`, … */
  const insert = (first: number, batch: readonly PreparedEvent[]): void => {
    const sealed: SealedItem[] = [];
    batch.forEach((p, i) => {
      for (const s of p.sealedBlobs)
        sealed.push({ position: first + i, subject: s.subject, blob: s.blob });
    });
    insertRunAt(first, {
      ids: batch.map((p) => p.id),
      streams: batch.map((p) => p.stream),
      entries: batch.map((p) => p.entry),
      sealed,
    });
  };

  return { positionsOf, insert, insertRunAt };
};
