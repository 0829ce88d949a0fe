import type { StoredCheckpoint } from '../checkpoint/store.js';
import { HASH_SIZE, leafHash, sameBytes } from '../merkle/hash.js';
import { TILE_WIDTH } from '../merkle/tile-reader.js';
import type { TileStore } from '../merkle/tile-store.js';
import { createMerkleTree, type MerkleTree } from '../merkle/tree.js';
import { createCompactRange } from './compact-range.js';

/** Leaves recomputed into tiles at a time. */
const INTEGRATE_EVERY = 4096;

/** Tile (level, index) covers leaves from index·256^(level+1), 256^(level+1) of them. */
const tileMismatch = (level: number, tileIndex: number, what: string): VerifyFinding => {
  const first = tileIndex * TILE_WIDTH ** (level + 1);
  return {
    kind: 'tile-mismatch',
    position: first,
    message: `Merkle tile ${level}/${tileIndex} (leaves from position ${first}) ${what}`,
  };
};

/**
 * Stored tiles beyond what `size` entries make, or a last tile wider than they fill: hashes of
 * entries that are not in the log (deleted from it, or tiles added).
 */
const extraTiles = (
  size: number,
  tiles: TileStore,
  extents: readonly { level: number; maxIndex: number; count: number }[],
): VerifyFinding | undefined => {
  for (const { level, maxIndex, count } of extents) {
    const hashes = Math.floor(size / TILE_WIDTH ** level);
    const needed = Math.ceil(hashes / TILE_WIDTH);
    if (maxIndex >= needed || count > needed)
      return tileMismatch(level, needed, `is stored, but the log's ${size} entries end before it`);
    const width = hashes % TILE_WIDTH;
    if (width === 0) continue;
    const last = tiles.get(level, needed - 1);
    if (last && last.length !== width * HASH_SIZE)
      return tileMismatch(
        level,
        needed - 1,
        `holds ${last.length / HASH_SIZE} hashes, but the log's ${size} entries make ${width}`,
      );
  }
  return undefined;
};

export type VerifyFinding =
  | { kind: 'entry-mismatch'; position: number; message: string }
  | { kind: 'gap'; position: number; message: string }
  | { kind: 'checkpoint-root-mismatch'; size: number; message: string }
  | { kind: 'checkpoint-signature'; size: number; message: string }
  | { kind: 'tree-root-mismatch'; size: number; message: string }
  | { kind: 'tile-mismatch'; position: number; message: string }
  | { kind: 'index-mismatch'; position: number; message: string }
  /** The log is behind, or other than, the latest checkpoint copied outside it (the witness). */
  | { kind: 'witness'; message: string };

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
  tiles,
  tileExtents,
  checkpoints,
  verify,
  index,
}: {
  tree: MerkleTree;
  /** The stored tiles, every level of which is compared with the tree recomputed from the entries. */
  tiles: TileStore;
  /** Per stored level, the highest tile index and the number of tiles. */
  tileExtents: () => readonly { level: number; maxIndex: number; count: number }[];
  checkpoints: readonly StoredCheckpoint[];
  /** Verifies a signed note and returns what it signs; throws when the signature is bad. */
  verify: (note: string) => { size: number; root: Uint8Array };
  /** Checks the log's own indexes against each entry (the embedded log's bundled layout). */
  index?: {
    check(position: number, entry: Uint8Array): VerifyFinding | undefined;
    finish(): VerifyFinding | undefined;
  };
}) => {
  const range = createCompactRange();
  let pending = 0;
  // The tree again, from the entries alone: every tile it writes must be what is stored (a prefix
  // of it while the stored tile is wider). Proofs read every level, not only the leaves.
  let tileProblem: VerifyFinding | undefined;
  const recomputed = createMerkleTree({
    size: 0,
    tiles: {
      get: () => undefined,
      put: (level, tileIndex, hashes) => {
        const stored = tiles.get(level, tileIndex);
        if (
          !tileProblem &&
          (!stored ||
            stored.length < hashes.length ||
            !sameBytes(stored.subarray(0, hashes.length), hashes))
        )
          tileProblem = tileMismatch(level, tileIndex, 'differs from the hashes of the entries');
      },
    },
  });
  let leaves: Uint8Array[] = [];
  const integrate = (): VerifyFinding | undefined => {
    recomputed.append(leaves);
    leaves = [];
    return tileProblem;
  };
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
      leaves.push(leaf);
      const bad =
        checkCheckpoint() ??
        index?.check(position, entry) ??
        (leaves.length >= INTEGRATE_EVERY ? integrate() : undefined);
      return bad ? fail(bad) : undefined;
    },
    /** The report once every entry was fed. */
    finish: (): VerifyReport => {
      const tilesBad = integrate() ?? extraTiles(range.size(), tiles, tileExtents());
      if (tilesBad) return fail(tilesBad);
      const indexBad = index?.finish();
      if (indexBad) return fail(indexBad);
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
