import type { TileStore } from '../../../src/merkle/tile-store.js';
import { createMemoryTileStore } from '../../../src/merkle/memory-tile-store.js';

/** A memory tile store that records reads and writes. */
export const recordingStore = () => {
  const inner = createMemoryTileStore();
  const reads: string[] = [];
  const writes: string[] = [];
  const store: TileStore = {
    get: (level, index) => {
      reads.push(`${String(level)}/${String(index)}`);
      return inner.get(level, index);
    },
    put: (level, index, hashes) => {
      writes.push(`${String(level)}/${String(index)}`);
      inner.put(level, index, hashes);
    },
  };
  return { store, inner, reads, writes };
};

/** Splits `count` into consecutive batches of the given sizes (cycled), for appending. */
export const batchesOf = <T>(items: readonly T[], sizes: readonly number[]): T[][] => {
  const out: T[][] = [];
  for (let at = 0, i = 0; at < items.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] ?? 1);
    out.push(items.slice(at, at + n));
    at += n;
  }
  return out;
};
