import type { TileStore } from './tile-store.js';

/** A TileStore in a Map, for tests and tools. */
export const createMemoryTileStore = (): TileStore => {
  const tiles = new Map<string, Uint8Array>();
  const key = (level: number, index: number): string => `${String(level)}/${String(index)}`;
  return {
    get: (level, index) => tiles.get(key(level, index)),
    put: (level, index, hashes) => {
      tiles.set(key(level, index), hashes);
    },
  };
};
