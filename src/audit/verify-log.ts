import { verifyNote } from '../checkpoint/note.js';
import type { Verifier } from '../checkpoint/keys.js';
import { createSqliteCheckpointStore } from '../checkpoint/store.js';
import { openSqlite } from '../log/sqlite/open.js';
import { createSqliteTileStore } from '../log/sqlite/tiles.js';
import { leafHash } from '../merkle/hash.js';
import { createMerkleTree } from '../merkle/tree.js';
import { createCompactRange } from './compact-range.js';

export type VerifyFinding =
  | { kind: 'entry-mismatch'; position: number; message: string }
  | { kind: 'gap'; position: number; message: string }
  | { kind: 'checkpoint-root-mismatch'; size: number; message: string }
  | { kind: 'checkpoint-signature'; size: number; message: string }
  | { kind: 'tree-root-mismatch'; size: number; message: string };

export interface VerifyReport {
  readonly entries: number;
  readonly checkpoints: number;
  readonly ok: boolean;
  /** The first problem found, naming the position or checkpoint. */
  readonly first?: VerifyFinding;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/**
 * Recomputes the whole tree from the stored entries and checks it against the stored tiles and
 * every stored checkpoint (root and signature). Stops at the first problem.
 */
export const verifyLogFile = (
  file: string,
  verifier: Verifier,
  onProgress?: (done: number, total: number) => void,
): VerifyReport => {
  const db = openSqlite(file, { readonly: true });
  try {
    const total = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM events').get()?.n ?? 0;
    const tiles = createSqliteTileStore(db);
    const tree = createMerkleTree({ tiles, size: total });
    const checkpoints = createSqliteCheckpointStore(db).all();
    const range = createCompactRange();
    let next = 0;
    let pending = 0;
    const fail = (first: VerifyFinding): VerifyReport => ({
      entries: range.size(),
      checkpoints: checkpoints.length,
      ok: false,
      first,
    });

    const checkCheckpoint = (): VerifyFinding | undefined => {
      const c = checkpoints[pending];
      if (!c || c.size !== range.size()) return undefined;
      pending++;
      try {
        const signed = verifyNote(c.note, verifier);
        if (signed.size !== c.size || !same(signed.root, c.root)) {
          return {
            kind: 'checkpoint-signature',
            size: c.size,
            message: `checkpoint ${c.size}: the signed note differs from the stored root`,
          };
        }
      } catch (e) {
        return {
          kind: 'checkpoint-signature',
          size: c.size,
          message: `checkpoint ${c.size}: ${(e as Error).message}`,
        };
      }
      if (!same(range.root(), c.root)) {
        return {
          kind: 'checkpoint-root-mismatch',
          size: c.size,
          message: `checkpoint ${c.size}: the entries before position ${c.size} no longer hash to its signed root`,
        };
      }
      return undefined;
    };

    const rows = db
      .prepare<[], { position: number; entry: Buffer }>(
        'SELECT position, entry FROM events ORDER BY position',
      )
      .iterate();
    for (const row of rows) {
      if (row.position !== next)
        return fail({
          kind: 'gap',
          position: next,
          message: `position ${next} is missing from the log`,
        });
      const leaf = leafHash(row.entry);
      if (!same(leaf, tree.leafHashAt(row.position))) {
        return fail({
          kind: 'entry-mismatch',
          position: row.position,
          message: `entry at position ${row.position} does not match the leaf hash the tree committed to`,
        });
      }
      range.push(leaf);
      next++;
      const bad = checkCheckpoint();
      if (bad) return fail(bad);
      if (onProgress && next % 10_000 === 0) onProgress(next, total);
    }
    onProgress?.(next, total);
    if (pending < checkpoints.length) {
      const c = checkpoints[pending]!;
      return fail({
        kind: 'checkpoint-root-mismatch',
        size: c.size,
        message: `checkpoint ${c.size} is beyond the log's ${next} entries`,
      });
    }
    if (!same(range.root(), tree.root())) {
      return fail({
        kind: 'tree-root-mismatch',
        size: next,
        message: 'the stored tiles do not hash to the root of the entries',
      });
    }
    return { entries: next, checkpoints: checkpoints.length, ok: true };
  } finally {
    db.close();
  }
};
