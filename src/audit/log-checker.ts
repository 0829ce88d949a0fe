import type { StoredCheckpoint } from '../checkpoint/store.js';
import { leafHash, sameBytes } from '../merkle/hash.js';
import type { MerkleTree } from '../merkle/tree.js';
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

/**
 * Checks a log's entries, fed in order, against the tree that committed to them and against every
 * signed checkpoint: each entry must hash to the stored leaf, each checkpoint's signed root must be
 * the root of the entries before it, and the whole must hash to the stored root.
 */
export const createLogChecker = ({
  tree,
  checkpoints,
  verify,
}: {
  tree: MerkleTree;
  checkpoints: readonly StoredCheckpoint[];
  /** Verifies a signed note and returns what it signs; throws when the signature is bad. */
  verify: (note: string) => { size: number; root: Uint8Array };
}) => {
  const range = createCompactRange();
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
      const signed = verify(c.note);
      if (signed.size !== c.size || !sameBytes(signed.root, c.root)) {
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
    if (!sameBytes(range.root(), c.root)) {
      return {
        kind: 'checkpoint-root-mismatch',
        size: c.size,
        message: `checkpoint ${c.size}: the entries before position ${c.size} no longer hash to its signed root`,
      };
    }
    return undefined;
  };

  const missing = (): VerifyReport =>
    fail({
      kind: 'gap',
      position: range.size(),
      message: `position ${range.size()} is missing from the log`,
    });

  return {
    done: (): number => range.size(),
    /** The failed report when the log ends before the tree does. */
    missing,
    /** Feeds the next entry; returns the failed report at the first problem. */
    push: (position: number, entry: Uint8Array): VerifyReport | undefined => {
      if (position !== range.size()) return missing();
      const leaf = leafHash(entry);
      if (position >= tree.size() || !sameBytes(leaf, tree.leafHashAt(position))) {
        return fail({
          kind: 'entry-mismatch',
          position,
          message: `entry at position ${position} does not match the leaf hash the tree committed to`,
        });
      }
      range.push(leaf);
      const bad = checkCheckpoint();
      return bad ? fail(bad) : undefined;
    },
    /** The report once every entry was fed. */
    finish: (): VerifyReport => {
      if (pending < checkpoints.length) {
        const c = checkpoints[pending]!;
        return fail({
          kind: 'checkpoint-root-mismatch',
          size: c.size,
          message: `checkpoint ${c.size} is beyond the log's ${range.size()} entries`,
        });
      }
      if (!sameBytes(range.root(), tree.root())) {
        return fail({
          kind: 'tree-root-mismatch',
          size: range.size(),
          message: 'the stored tiles do not hash to the root of the entries',
        });
      }
      return { entries: range.size(), checkpoints: checkpoints.length, ok: true };
    },
  };
};
