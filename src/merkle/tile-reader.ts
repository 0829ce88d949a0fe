import { HASH_SIZE, nodeHash } from './hash.js';
import type { TileStore } from './tile-store.js';

/** Tree levels per tile level (C2SP tlog-tiles). */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile. */
export const TILE_WIDTH = 2 ** TILE_HEIGHT;

/** Largest power of two strictly below `n` (n ≥ 2), the RFC 9162 split point. */
export const splitPoint = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

const heightOf = (powerOfTwo: number): number => {
  let h = 0;
  for (let p = 1; p < powerOfTwo; p *= 2) h++;
  return h;
};

const isPowerOfTwo = (n: number): boolean => n >= 1 && 2 ** heightOf(n) === n;

/** Reads Merkle hashes out of stored tiles; tiles read once per reader are cached. */
export interface TileReader {
  /** The hashes of tile (level, index), at least `width` of them, or a clear error. */
  readonly tile: (level: number, index: number, width: number) => Uint8Array;
  /** Hash of the complete subtree at `height` with `index` (covering leaves index·2^height …). */
  readonly node: (height: number, index: number) => Uint8Array;
  /** MTH(D[start:end]) for a range whose start is aligned as RFC 9162 recursion leaves it. */
  readonly rangeRoot: (start: number, end: number) => Uint8Array;
}

export const createTileReader = (tiles: TileStore): TileReader => {
  const cache = new Map<string, Uint8Array>();

  const tile = (level: number, index: number, width: number): Uint8Array => {
    const key = `${String(level)}/${String(index)}`;
    let data = cache.get(key);
    if (data === undefined) {
      data = tiles.get(level, index);
      if (data !== undefined) cache.set(key, data);
    }
    const have = data === undefined ? 0 : Math.floor(data.length / HASH_SIZE);
    if (data === undefined || have < width) {
      throw new Error(
        `Merkle tile ${key} holds ${String(have)} hashes but ${String(width)} are needed: the tile store is behind the tree size`,
      );
    }
    return data;
  };

  const node = (height: number, index: number): Uint8Array => {
    const level = Math.floor(height / TILE_HEIGHT);
    const count = 2 ** (height - level * TILE_HEIGHT);
    const first = index * count;
    const tileIndex = Math.floor(first / TILE_WIDTH);
    const offset = first - tileIndex * TILE_WIDTH;
    const data = tile(level, tileIndex, offset + count);
    let row: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const at = (offset + i) * HASH_SIZE;
      row.push(data.subarray(at, at + HASH_SIZE));
    }
    while (row.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < row.length; i += 2)
        next.push(nodeHash(row[i] as Uint8Array, row[i + 1] as Uint8Array));
      row = next;
    }
    return new Uint8Array(row[0] as Uint8Array);
  };

  const rangeRoot = (start: number, end: number): Uint8Array => {
    const n = end - start;
    if (isPowerOfTwo(n) && start % n === 0) return node(heightOf(n), start / n);
    const k = splitPoint(n);
    return nodeHash(rangeRoot(start, start + k), rangeRoot(start + k, end));
  };

  return { tile, node, rangeRoot };
};
