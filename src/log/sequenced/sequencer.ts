import { leafHash, sameBytes } from '../../merkle/hash.js';
import { createMerkleTree, type MerkleTree } from '../../merkle/tree.js';
import {
  EventLogError,
  retryDelayMs,
  type EventLog,
  type StoredEntry,
  type Subscription,
} from '../event-log.js';
import type { Db } from '../sqlite/open.js';
import { savedSize } from './schema.js';
import { createSqliteTileStore } from '../sqlite/tiles.js';

export interface MerkleSequencer {
  /** The tree over the integrated prefix of the log. */
  readonly tree: MerkleTree;
  /** The fault that stopped the sequencer, if any. */
  fault(): Error | undefined;
  /** Resolves once the saved tree was checked against the log (or the check found a fault). */
  ready(): Promise<void>;
  /**
   * Resolves once the tree holds at least `size` leaves. Rejects with the fault if the sequencer
   * stopped, or with a retriable error after `timeoutMs`.
   */
  reach(size: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A fault of the log's order: the tree must not go on. Anything else is retried. */
class OrderFault extends EventLogError {
  constructor(message: string) {
    super(message, false);
  }
}

/**
 * The one stateful part of a clustered deployment: follows the log from where its tree ends and
 * integrates every entry, in log order, into the tiles of `db`. The tree size is saved in the same
 * transaction as the tiles, so a restart resumes exactly where the last commit stopped.
 *
 * On start, the saved tree must be a prefix of the log (its last leaf is the hash of the log's entry
 * at that position); a tree ahead of the log, or over other entries, belongs to another log. That,
 * or a position that does not follow the tree's end (a gap or a reordering), stops the sequencer:
 * the tree must never commit to anything but this log's order. Appends waiting on it then fail
 * with the reason. Other failures (a read, a busy database) are reported to `onError` and retried.
 */
export const startMerkleSequencer = ({
  log,
  db,
  onFault,
  onError,
}: {
  log: EventLog;
  db: Db;
  onFault?: (error: Error) => void;
  onError?: (error: unknown) => void;
}): MerkleSequencer => {
  const tiles = createSqliteTileStore(db);
  const save = db.prepare<[number]>(
    'INSERT INTO sequencer (id, size) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET size = excluded.size',
  );
  let tree = createMerkleTree({ tiles, size: savedSize(db) });
  let fault: Error | undefined;
  let closed = false;
  let subscription: Subscription | undefined;
  const waiting = new Set<() => void>();
  const wake = (): void => {
    for (const w of waiting) w();
  };
  const stop = (cause: OrderFault): void => {
    fault = new EventLogError(
      `the Merkle sequencer stopped at tree size ${tree.size()}: ${cause.message}`,
      false,
      { cause },
    );
    onFault?.(fault);
    wake();
  };

  const integrate = db.transaction((batch: readonly StoredEntry[]): void => {
    let next = tree.size();
    for (const e of batch) {
      if (e.position !== next) {
        throw new OrderFault(
          `the log delivered position ${e.position} where the tree expected ${next}`,
        );
      }
      next++;
    }
    tree.append(batch.map((e) => leafHash(e.entry)));
    save.run(tree.size());
  });

  /** The saved tree must be a prefix of this log. */
  const checkPrefix = async (): Promise<void> => {
    const size = tree.size();
    const logSize = await log.size();
    if (size > logSize) {
      throw new OrderFault(
        `the saved tree holds ${size} entries but the log only ${logSize}: this state belongs to another log`,
      );
    }
    if (size === 0) return;
    const [last] = await log.read(size - 1, 1);
    if (
      last?.position !== size - 1 ||
      !sameBytes(leafHash(last.entry), tree.leafHashAt(size - 1))
    ) {
      throw new OrderFault(
        `the log's entry at position ${size - 1} is not the one the saved tree committed to: this state belongs to another log`,
      );
    }
  };

  const onBatch = (batch: StoredEntry[]): Promise<void> => {
    if (fault) return Promise.resolve();
    const before = tree.size();
    try {
      integrate(batch);
    } catch (error) {
      tree = createMerkleTree({ tiles, size: before });
      if (error instanceof OrderFault) stop(error);
      else throw error;
    }
    wake();
    return Promise.resolve();
  };

  const started = (async () => {
    for (let failures = 0; !closed; failures++) {
      try {
        await checkPrefix();
        break;
      } catch (error) {
        if (error instanceof OrderFault) {
          stop(error);
          return;
        }
        onError?.(error);
        await new Promise((r) => setTimeout(r, retryDelayMs(failures)).unref());
      }
    }
    if (!closed) subscription = log.subscribe(tree.size(), onBatch, onError);
  })();

  return {
    get tree() {
      return tree;
    },
    fault: () => fault,
    ready: () => started,
    reach: async (size, timeoutMs = 30_000) => {
      await started;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(
            new EventLogError(
              `the Merkle sequencer has not integrated position ${size - 1} after ${timeoutMs} ms`,
              true,
            ),
          );
        }, timeoutMs);
        timer.unref();
        function check(): void {
          if (tree.size() >= size) resolve();
          else if (fault) reject(fault);
          else return;
          clearTimeout(timer);
          waiting.delete(check);
        }
        waiting.add(check);
        check();
      });
    },
    close: async () => {
      closed = true;
      await started;
      await subscription?.close();
      fault ??= new EventLogError('the Merkle sequencer was closed', false);
      wake();
    },
  };
};
