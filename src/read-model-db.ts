import type { Db } from './log/sqlite/open.js';
import { openSqlite } from './log/sqlite/open.js';

/**
 * Opens a file of embedded read models. They can be rebuilt from the log at any time, so a commit
 * need not reach the disk before it returns (`synchronous = NORMAL`: a crash loses at most the last
 * batches, and the checkpoint goes with them).
 */
export const openReadModelDb = (file: string): Db => {
  const db = openSqlite(file);
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  db.pragma('wal_autocheckpoint = 10000');
  return db;
};
