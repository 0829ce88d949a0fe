import { emptyRoot, HASH_SIZE, nodeHash } from './hash.js';
import { consistencyPath, inclusionPath } from './paths.js';
import { createTileReader, TILE_HEIGHT, TILE_WIDTH } from './tile-reader.js';
import type { TileStore } from './tile-store.js';

/** The log's RFC 9162 Merkle tree, integrated incrementally and stored as C2SP tlog tiles. */
export interface MerkleTree {
  /** Number of leaves integrated. */
  size(): number;
  /**
   * Integrates leaf hashes in order and writes every changed tile once. O(k + log n).
   * If the store throws, the tree is back at its previous size and the error is rethrown.
   */
  append(leafHashes: readonly Uint8Array[]): void;
  /** Root hash at the current size (SHA-256("") when empty). */
  root(): Uint8Array;
  /** Root hash at an earlier (or the current) size, from stored tiles. */
  rootAt(size: number): Uint8Array;
  /** The leaf hash at `index`. */
  leafHashAt(index: number): Uint8Array;
  /** RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `treeSize` leaves. */
  inclusionProof(index: number, treeSize: number): Uint8Array[];
  /** RFC 9162 §2.1.4 consistency proof from `fromSize` to `toSize`; empty when fromSize is 0 or equal. */
  consistencyProof(fromSize: number, toSize: number): Uint8Array[];
}

interface EdgeTile {
  index: number;
  width: number;
  data: Uint8Array;
  dirty: boolean;
}

const TILE_BYTES = TILE_WIDTH * HASH_SIZE;
const newTile = (index: number): EdgeTile => ({
  index,
  width: 0,
  data: new Uint8Array(TILE_BYTES),
  dirty: false,
});

const checkSize = (name: string, value: number, max: number): void => {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(
      `${name} ${String(value)} is out of range: the tree has ${String(max)} leaves`,
    );
  }
};

const checkIndex = (index: number, treeSize: number): void => {
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new RangeError(
      `leaf index ${String(index)} is out of range for tree size ${String(treeSize)}`,
    );
  }
};

/**
 * Opens the tree of `size` leaves whose tiles are in `tiles`, loading its right edge from the store,
 * so a restarted service continues where it stopped.
 */
export const createMerkleTree = ({
  tiles,
  size: initialSize,
}: {
  tiles: TileStore;
  size: number;
}): MerkleTree => {
  if (!Number.isSafeInteger(initialSize) || initialSize < 0) {
    throw new RangeError(`tree size ${String(initialSize)} is not a non-negative integer`);
  }
  let size = 0;
  let edge: (Uint8Array | undefined)[] = [];
  let edgeTiles: EdgeTile[] = [];
  let cachedRoot: Uint8Array | undefined;

  const load = (n: number): void => {
    const reader = createTileReader(tiles);
    edge = [];
    for (let h = 0, p = 1; p <= n; h++, p *= 2) {
      if (Math.floor(n / p) % 2 === 1) edge[h] = reader.node(h, Math.floor(n / p) - 1);
    }
    edgeTiles = [];
    for (let level = 0, p = 1; p <= n; level++, p *= TILE_WIDTH) {
      const count = Math.floor(n / p);
      const tile = newTile(Math.floor(count / TILE_WIDTH));
      tile.width = count % TILE_WIDTH;
      if (tile.width > 0) {
        const stored = reader.tile(level, tile.index, tile.width);
        tile.data.set(stored.subarray(0, tile.width * HASH_SIZE));
      }
      edgeTiles[level] = tile;
    }
    size = n;
    cachedRoot = undefined;
  };

  const push = (level: number, hash: Uint8Array): Uint8Array => {
    const tile = (edgeTiles[level] ??= newTile(0));
    const at = tile.width * HASH_SIZE;
    tile.data.set(hash, at);
    tile.width++;
    const stored = tile.data.subarray(at, at + HASH_SIZE);
    if (tile.width === TILE_WIDTH) {
      tiles.put(level, tile.index, tile.data);
      edgeTiles[level] = newTile(tile.index + 1);
    } else {
      tile.dirty = true;
    }
    return stored;
  };

  const integrate = (leaf: Uint8Array): void => {
    let carry = push(0, leaf);
    let height = 0;
    for (let left = edge[height]; left !== undefined; left = edge[height]) {
      carry = nodeHash(left, carry);
      edge[height] = undefined;
      height++;
      if (height % TILE_HEIGHT === 0) carry = push(height / TILE_HEIGHT, carry);
    }
    edge[height] = carry;
    size++;
  };

  const append = (leafHashes: readonly Uint8Array[]): void => {
    if (leafHashes.length === 0) return;
    leafHashes.forEach((leaf, i) => {
      if (leaf.length !== HASH_SIZE) {
        throw new TypeError(
          `leaf hash ${String(i)} has ${String(leaf.length)} bytes, expected ${String(HASH_SIZE)}`,
        );
      }
    });
    const before = size;
    try {
      for (const leaf of leafHashes) integrate(leaf);
      edgeTiles.forEach((tile, level) => {
        if (!tile.dirty) return;
        tiles.put(level, tile.index, tile.data.slice(0, tile.width * HASH_SIZE));
        tile.dirty = false;
      });
      cachedRoot = undefined;
    } catch (error) {
      try {
        load(before);
      } catch (reloadError) {
        throw new AggregateError(
          [error, reloadError],
          'Merkle append failed and the previous tree state could not be reloaded',
        );
      }
      throw error;
    }
  };

  const root = (): Uint8Array => {
    if (cachedRoot === undefined) {
      let acc: Uint8Array | undefined;
      for (const hash of edge)
        if (hash !== undefined) acc = acc === undefined ? hash : nodeHash(hash, acc);
      cachedRoot = acc === undefined ? emptyRoot() : new Uint8Array(acc);
    }
    return new Uint8Array(cachedRoot);
  };

  const rootAt = (n: number): Uint8Array => {
    checkSize('tree size', n, size);
    if (n === size) return root();
    if (n === 0) return emptyRoot();
    return createTileReader(tiles).rangeRoot(0, n);
  };

  const leafHashAt = (index: number): Uint8Array => {
    checkIndex(index, size);
    return createTileReader(tiles).node(0, index);
  };

  const inclusionProof = (index: number, treeSize: number): Uint8Array[] => {
    checkSize('tree size', treeSize, size);
    checkIndex(index, treeSize);
    return inclusionPath(index, treeSize, createTileReader(tiles).rangeRoot);
  };

  const consistencyProof = (fromSize: number, toSize: number): Uint8Array[] => {
    checkSize('tree size', toSize, size);
    if (!Number.isSafeInteger(fromSize) || fromSize < 0 || fromSize > toSize) {
      throw new RangeError(
        `earlier tree size ${String(fromSize)} is out of range 0..${String(toSize)}`,
      );
    }
    if (fromSize === 0 || fromSize === toSize) return [];
    return consistencyPath(fromSize, toSize, createTileReader(tiles).rangeRoot);
  };

  load(initialSize);
  return { size: () => size, append, root, rootAt, leafHashAt, inclusionProof, consistencyProof };
};
