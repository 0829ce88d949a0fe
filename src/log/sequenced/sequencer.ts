import { leafHash } from '../../merkle/hash.js';
import { createMerkleTree, type MerkleTree } from '../../merkle/tree.js';
import { EventLogError, type EventLog, type StoredEntry, type Subscription } from '../event-log.js';
import type { Db } from '../sqlite/open.js';
import { createSqliteTileStore } from '../sqlite/tiles.js';

export interface MerkleSequencer {
  /** The tree over the integrated prefix of the log. */
  readonly tree: MerkleTree;
  /** Resolves once the tree holds at least `size` leaves; rejects if the sequencer has stopped on a fault. */
  reach(size: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The one stateful part of a clustered deployment: follows the log from where its tree ends and
 * integrates every entry, in log order, into the tiles of `db`. The tree size is saved in the same
 * transaction as the tiles, so a restart resumes exactly where the last commit stopped.
 *
 * A position that does not follow the tree's end (a gap or a reordering in the log) stops the
 * sequencer: the tree must never commit to anything but the log's order. Appends waiting on it then
 * fail with the reason.
 */
export const startMerkleSequencer = ({
  log,
  db,
  onFault,
}: {
  log: EventLog;
  db: Db;
  onFault?: (error: Error) => void;
}): MerkleSequencer => {
  const tiles = createSqliteTileStore(db);
  const stored = db.prepare<[], { size: number }>('SELECT size FROM sequencer WHERE id = 0');
  const save = db.prepare<[number]>(
    'INSERT INTO sequencer (id, size) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET size = excluded.size',
  );
  let tree = createMerkleTree({ tiles, size: stored.get()?.size ?? 0 });
  let fault: Error | undefined;
  const waiting = new Set<() => void>();
  const wake = (): void => {
    for (const w of waiting) w();
  };

  const integrate = db.transaction((batch: readonly StoredEntry[]): void => {
    let next = tree.size();
    for (const e of batch) {
      if (e.position !== next) {
        throw new EventLogError(
          `the log delivered position ${e.position} where the tree expected ${next}`,
          false,
        );
      }
      next++;
    }
    tree.append(batch.map((e) => leafHash(e.entry)));
    save.run(tree.size());
  });

  const subscription: Subscription = log.subscribe(tree.size(), (batch) => {
    if (fault) return Promise.resolve();
    const before = tree.size();
    try {
      integrate(batch);
    } catch (cause) {
      tree = createMerkleTree({ tiles, size: before });
      fault = new EventLogError(
        `the Merkle sequencer stopped at tree size ${before}: ${(cause as Error).message}`,
        false,
        { cause },
      );
      onFault?.(fault);
    }
    wake();
    return Promise.resolve();
  });

  return {
    get tree() {
      return tree;
    },
    reach: (size) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (tree.size() >= size) resolve();
          else if (fault) reject(fault);
          else return;
          waiting.delete(check);
        };
        waiting.add(check);
        check();
      }),
    close: async () => {
      await subscription.close();
      fault ??= new EventLogError('the Merkle sequencer was closed', false);
      wake();
    },
  };
};
