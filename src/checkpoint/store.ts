import type { Db } from '../log/sqlite/open.js';

/** A signed checkpoint as kept: every one published is kept for consistency proofs. */
export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
  readonly publishedAt: string;
}

export interface CheckpointStore {
  latest(): StoredCheckpoint | null;
  atSize(size: number): StoredCheckpoint | null;
  /** The smallest checkpoint whose tree contains `leafIndex`. */
  covering(leafIndex: number): StoredCheckpoint | null;
  all(): StoredCheckpoint[];
  save(c: StoredCheckpoint): void;
}

interface Row {
  size: number;
  root: Buffer;
  note: string;
  published_at: string;
}

const toCheckpoint = (r: Row): StoredCheckpoint => ({
  size: r.size,
  root: r.root,
  note: r.note,
  publishedAt: r.published_at,
});

/** Checkpoints in the log's SQLite file (table `checkpoints`). */
export const createSqliteCheckpointStore = (db: Db): CheckpointStore => {
  const latest = db.prepare<[], Row>('SELECT * FROM checkpoints ORDER BY size DESC LIMIT 1');
  const atSize = db.prepare<[number], Row>('SELECT * FROM checkpoints WHERE size = ?');
  const covering = db.prepare<[number], Row>(
    'SELECT * FROM checkpoints WHERE size > ? ORDER BY size LIMIT 1',
  );
  const all = db.prepare<[], Row>('SELECT * FROM checkpoints ORDER BY size');
  const insert = db.prepare<[number, Uint8Array, string, string]>(
    'INSERT OR IGNORE INTO checkpoints (size, root, note, published_at) VALUES (?, ?, ?, ?)',
  );
  const one = (r: Row | undefined): StoredCheckpoint | null => (r ? toCheckpoint(r) : null);
  return {
    latest: () => one(latest.get()),
    atSize: (size) => one(atSize.get(size)),
    covering: (leafIndex) => one(covering.get(leafIndex)),
    all: () => all.all().map(toCheckpoint),
    save: (c) => {
      insert.run(c.size, c.root, c.note, c.publishedAt);
    },
  };
};
