import type { Logger } from 'pino';
import type { MerkleTree } from '../merkle/tree.js';
import type { Metrics } from '../metrics.js';
import { formatCheckpointBody, signNote } from './note.js';
import type { Signer } from './keys.js';
import type { CheckpointStore, StoredCheckpoint } from './store.js';

export interface CheckpointPublisher {
  /** Signs and keeps a checkpoint of the current tree, unless the latest already has this size. */
  publish(): StoredCheckpoint | null;
  /** The latest checkpoint whose tree contains `leafIndex`, publishing one first if none does yet. */
  covering(leafIndex: number): StoredCheckpoint | null;
  start(): void;
  stop(): void;
}

/** Signs C2SP checkpoints of the log on a timer and on demand; every one is kept. */
export const createCheckpointPublisher = ({
  tree,
  store,
  signer,
  origin,
  intervalMs,
  metrics,
  log,
  onPublished,
  now = () => new Date(),
}: {
  tree: () => MerkleTree;
  store: CheckpointStore;
  signer: Signer;
  origin: string;
  intervalMs: number;
  metrics?: Metrics;
  log?: Logger;
  /** Called with every newly signed note (e.g. to publish it to Kafka for witnesses). */
  onPublished?: (note: string) => void;
  now?: () => Date;
}): CheckpointPublisher => {
  let timer: NodeJS.Timeout | undefined;
  // From the start, not only once a new checkpoint is signed: after a restart the latest is stored.
  metrics?.checkpointSize.set(store.latest()?.size ?? 0);
  const publish = (): StoredCheckpoint | null => {
    const t = tree();
    const size = t.size();
    const latest = store.latest();
    if (latest && latest.size >= size) return latest;
    if (size === 0) return null;
    const root = t.root();
    const note = signNote(formatCheckpointBody({ origin, size, root }), signer);
    const checkpoint = { size, root, note, publishedAt: now().toISOString() };
    store.save(checkpoint);
    onPublished?.(note);
    metrics?.checkpointSize.set(size);
    log?.info({ size }, 'checkpoint published');
    return checkpoint;
  };
  return {
    publish,
    covering: (leafIndex) => {
      const latest = store.latest();
      if (latest && latest.size > leafIndex) return latest;
      const fresh = publish();
      return fresh && fresh.size > leafIndex ? fresh : null;
    },
    start: () => {
      timer = setInterval(() => {
        try {
          publish();
        } catch (e) {
          log?.error({ err: e }, 'checkpoint publication failed');
        }
      }, intervalMs);
      timer.unref();
    },
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
};
