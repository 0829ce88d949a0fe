import { upcast } from '../domain/catalogue.js';
import type { EventLog, StoredEntry, Subscription } from '../src/log/event-log.js';
import type { Projection, ProjectionStore } from './ports.js';

/** A projection and the store its read model lives in. */
export interface ProjectionBinding<C = unknown> {
  readonly projection: Projection<C>;
  readonly store: ProjectionStore<C>;
}

/** How far one projection is behind the log. Positions are -1 when nothing is applied or logged. */
export interface ProjectionLag {
  readonly name: string;
  readonly position: number;
  readonly headPosition: number;
  readonly behind: number;
}

export interface ProjectionProgress {
  readonly name: string;
  readonly position: number;
}

export interface ReplayProgress {
  readonly name: string;
  readonly done: number;
  readonly total: number;
}

export interface ProjectionRunnerDeps {
  readonly log: Pick<EventLog, 'read' | 'subscribe' | 'size'>;
  readonly projections: readonly ProjectionBinding[];
  readonly batchSize: number;
  /** Called after every applied batch. */
  readonly onProgress?: (p: ProjectionProgress) => void;
  /** Called when a projection fails; it then resumes from its checkpoint after `retryDelayMs` (default 1000). */
  readonly onError?: (error: unknown, name: string) => void;
  readonly retryDelayMs?: number;
}

/**
 * Runs projections over the log: each catches up from its checkpoint, then follows new appends.
 * A batch's changes and its last position are written in one `store.apply`, so a crash between two
 * batches neither loses nor repeats an event.
 */
export interface ProjectionRunner {
  /**
   * Catches every projection up to the head of the log, then follows. Resolves once each projection
   * has caught up or failed; a failed one is reported to `onError` and retried from its checkpoint.
   */
  start(): Promise<void>;
  /** Stops following and waits for the batch in flight. */
  stop(): Promise<void>;
  lag(): Promise<ProjectionLag[]>;
  /** Drops one read model and rebuilds it from position 0, then follows again if the runner is started. */
  replay(name: string, options?: { onProgress?: (p: ReplayProgress) => void }): Promise<void>;
}

interface Worker {
  readonly name: string;
  readonly binding: ProjectionBinding;
  position: number;
  subscription: Subscription | null;
  retry: ReturnType<typeof setTimeout> | null;
  queue: Promise<void>;
}

export const createProjectionRunner = (deps: ProjectionRunnerDeps): ProjectionRunner => {
  const { log, batchSize, onProgress, onError, retryDelayMs = 1000 } = deps;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError('batchSize must be a positive integer');
  const workers = new Map<string, Worker>();
  for (const binding of deps.projections) {
    const name = binding.projection.name;
    if (workers.has(name)) throw new RangeError(`two projections named ${name}`);
    workers.set(name, {
      name,
      binding,
      position: -1,
      subscription: null,
      retry: null,
      queue: Promise.resolve(),
    });
  }
  let running = false;

  const exclusive = (w: Worker, task: () => Promise<void>): Promise<void> => {
    const next = w.queue.then(task);
    w.queue = next.catch(() => undefined);
    return next;
  };

  const applyBatch = async (w: Worker, entries: readonly StoredEntry[]): Promise<void> => {
    const fresh = entries.filter((e) => e.position > w.position);
    const last = fresh.at(-1);
    if (!last) return;
    const { projection, store } = w.binding;
    const changes = fresh.flatMap((e) => projection.changesFor(upcast(e.event), e.position));
    await store.apply(changes, last.position);
    w.position = last.position;
    onProgress?.({ name: w.name, position: w.position });
  };

  const catchUp = async (
    w: Worker,
    go: () => boolean,
    progress?: (position: number) => void,
  ): Promise<void> => {
    while (go()) {
      const entries = await log.read(w.position + 1, batchSize);
      if (entries.length === 0) return;
      await applyBatch(w, entries);
      progress?.(w.position);
    }
  };

  const detach = (w: Worker): Subscription | null => {
    if (w.retry) clearTimeout(w.retry);
    w.retry = null;
    const sub = w.subscription;
    w.subscription = null;
    return sub;
  };

  const failed = (w: Worker, error: unknown): void => {
    onError?.(error, w.name);
    void detach(w)
      ?.close()
      .catch(() => undefined);
    if (running) w.retry = setTimeout(() => void resume(w), retryDelayMs);
  };

  const follow = (w: Worker): void => {
    const sub = log.subscribe(w.position + 1, (batch) =>
      exclusive(w, async () => {
        if (w.subscription !== sub) return;
        try {
          for (let i = 0; i < batch.length; i += batchSize)
            await applyBatch(w, batch.slice(i, i + batchSize));
        } catch (error) {
          failed(w, error);
        }
      }),
    );
    w.subscription = sub;
  };

  const resume = (w: Worker): Promise<void> =>
    exclusive(w, async () => {
      w.retry = null;
      if (!running || w.subscription) return;
      try {
        w.position = await w.binding.store.checkpoint();
        follow(w);
      } catch (error) {
        failed(w, error);
      }
    });

  const startWorker = (w: Worker): Promise<void> =>
    exclusive(w, async () => {
      try {
        w.position = await w.binding.store.checkpoint();
        await catchUp(w, () => running);
        if (running && !w.subscription) follow(w);
      } catch (error) {
        failed(w, error);
      }
    });

  const workerNamed = (name: string): Worker => {
    const w = workers.get(name);
    if (!w) throw new RangeError(`no projection named ${name}`);
    return w;
  };

  return {
    start: async () => {
      if (running) return;
      running = true;
      await Promise.all([...workers.values()].map(startWorker));
    },
    stop: async () => {
      running = false;
      await Promise.all(
        [...workers.values()].map(async (w) => {
          await detach(w)?.close();
          await w.queue;
        }),
      );
    },
    lag: async () => {
      const headPosition = (await log.size()) - 1;
      return Promise.all(
        [...workers.values()].map(async (w) => {
          const position = await w.binding.store.checkpoint();
          return {
            name: w.name,
            position,
            headPosition,
            behind: Math.max(0, headPosition - position),
          };
        }),
      );
    },
    replay: async (name, options = {}) => {
      const w = workerNamed(name);
      await detach(w)?.close();
      await exclusive(w, async () => {
        void detach(w)
          ?.close()
          .catch(() => undefined);
        try {
          const total = await log.size();
          await w.binding.store.reset();
          w.position = -1;
          options.onProgress?.({ name, done: 0, total });
          await catchUp(
            w,
            () => true,
            (position) =>
              options.onProgress?.({
                name,
                done: position + 1,
                total: Math.max(total, position + 1),
              }),
          );
        } catch (error) {
          if (running) w.retry = setTimeout(() => void resume(w), retryDelayMs);
          throw error;
        }
        if (running) follow(w);
      });
    },
  };
};
