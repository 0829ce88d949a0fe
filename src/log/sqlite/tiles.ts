import type { TileStore } from '../../merkle/tile-store.js';
import type { Db } from './open.js';

/** Merkle tiles in the log's own SQLite file, so they commit with the batch they hash. */
export const createSqliteTileStore = (db: Db): TileStore => {
  const select = db.prepare<[number, number], { hashes: Buffer }>(
    'SELECT hashes FROM tiles WHERE level = ? AND idx = ?',
  );
  const upsert = db.prepare<[number, number, Uint8Array]>(
    'INSERT INTO tiles (level, idx, hashes) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes',
  );
  return {
    get: (level, index) => select.get(level, index)?.hashes,
    put: (level, index, hashes) => {
      upsert.run(level, index, hashes);
    },
  };
};
