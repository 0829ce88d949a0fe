import { upcast, type AuditEvent } from '../domain/catalogue.js';
import type { EventLog, StoredEntry, Subscription } from '../src/log/event-log.js';
import type { Projection, ProjectionStore } from './ports.js';

/** A projection and the store its read model lives in. */
export interface ProjectionBinding<C = unknown> {
  readonly projection: Projection<C>;
  readonly store: ProjectionStore<C>;
}

/**
 * Optional capability of a store on a synchronous database (SQLite): stores whose `scope` is the
 * same apply a batch together in one transaction, opened with any one of their `transaction`s.
 */
export interface SharedTransaction<C = unknown> {
  /** The database; stores with the same scope can share a transaction. */
  readonly scope: object;
  /** Runs `work` in one transaction of the scope; a throw rolls all of it back. */
  readonly transaction: (work: () => void) => void;
  /** Applies a batch within the open transaction; a no-op when `position` ≤ checkpoint. */
  readonly applyWithin: (changes: readonly C[], position: number) => void;
  /** The store's own `apply`: a wrapper that replaces `apply` does not take the shared path. */
  readonly apply: ProjectionStore<C>['apply'];
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
 *
 * Projections at the same point read the log together: each batch is read and upcast once and fed
 * to all of them, and stores sharing a database (`shared`) apply it in one transaction. A projection
 * that is behind (after a failure or a replay) catches up alone, then joins the others.
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
  retry: ReturnType<typeof setTimeout> | null;
  /** Work on this projection alone (resume, replay); work on the followers goes through `group`. */
  queue: Promise<void>;
}

interface Pending {
  readonly w: Worker;
  readonly changes: unknown[];
  readonly position: number;
}

type Failure = readonly [Worker, unknown];

const sharedOf = (store: ProjectionStore<unknown>): SharedTransaction | null => {
  const shared = (store as { shared?: SharedTransaction }).shared;
  return shared && shared.apply === store.apply ? shared : null;
};

/** How far a projection at `position` is behind a log of `size` entries. */
export const lagOf = (name: string, position: number, size: number): ProjectionLag => {
  const headPosition = size - 1;
  return { name, position, headPosition, behind: Math.max(0, headPosition - position) };
};

export const createProjectionRunner = (deps: ProjectionRunnerDeps): ProjectionRunner => {
  const { log, batchSize, onProgress, onError, retryDelayMs = 1000 } = deps;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError('batchSize must be a positive integer');
  const workers = new Map<string, Worker>();
  for (const binding of deps.projections) {
    const name = binding.projection.name;
    if (workers.has(name)) throw new RangeError(`two projections named ${name}`);
    workers.set(name, { name, binding, position: -1, retry: null, queue: Promise.resolve() });
  }
  let running = false;
  /** The projections following the log together, over one subscription. */
  const followers = new Set<Worker>();
  const group: { subscription: Subscription | null; queue: Promise<void> } = {
    subscription: null,
    queue: Promise.resolve(),
  };

  const exclusive = (w: Worker, task: () => Promise<void>): Promise<void> => {
    const next = w.queue.then(task);
    w.queue = next.catch(() => undefined);
    return next;
  };
  const groupExclusive = (task: () => Promise<void>): Promise<void> => {
    const next = group.queue.then(task);
    group.queue = next.catch(() => undefined);
    return next;
  };

  const applied = (p: Pending): void => {
    p.w.position = p.position;
    onProgress?.({ name: p.w.name, position: p.position });
  };

  const applyAlone = async (p: Pending, failures: Failure[]): Promise<void> => {
    try {
      await p.w.binding.store.apply(p.changes, p.position);
      applied(p);
    } catch (error) {
      failures.push([p.w, error]);
    }
  };

  /** One transaction for all; if it fails, each alone, so only the failing projection stops. */
  const applyTogether = async (
    shared: SharedTransaction,
    batch: readonly Pending[],
    failures: Failure[],
  ): Promise<void> => {
    if (batch.length > 1) {
      try {
        shared.transaction(() => {
          for (const p of batch) sharedOf(p.w.binding.store)!.applyWithin(p.changes, p.position);
        });
        batch.forEach(applied);
        return;
      } catch {
        // fall through: find out which one fails
      }
    }
    for (const p of batch) await applyAlone(p, failures);
  };

  /**
   * Applies `entries` to each of `ws` past its position: each entry is upcast once, and
   * stores sharing a database write in one transaction. Returns the projections that failed.
   */
  const applyBatch = async (
    ws: readonly Worker[],
    entries: readonly StoredEntry[],
  ): Promise<Failure[]> => {
    const last = entries.at(-1);
    if (!last) return [];
    const failures: Failure[] = [];
    const events: (AuditEvent | undefined)[] = new Array<AuditEvent | undefined>(entries.length);
    const together = new Map<object, Pending[]>();
    const alone: Pending[] = [];
    for (const w of ws) {
      let i = 0;
      while (i < entries.length && entries[i]!.position <= w.position) i++;
      if (i === entries.length) continue;
      const { projection, store } = w.binding;
      const changes: unknown[] = [];
      try {
        for (; i < entries.length; i++) {
          const entry = entries[i]!;
          const event = (events[i] ??= upcast(entry.event));
          for (const c of projection.changesFor(event, entry.position)) changes.push(c);
        }
      } catch (error) {
        failures.push([w, error]);
        continue;
      }
      const p: Pending = { w, changes, position: last.position };
      const shared = sharedOf(store);
      if (!shared) alone.push(p);
      else {
        const list = together.get(shared.scope);
        if (list) list.push(p);
        else together.set(shared.scope, [p]);
      }
    }
    await Promise.all([
      ...[...together.values()].map((batch) =>
        applyTogether(sharedOf(batch[0]!.w.binding.store)!, batch, failures),
      ),
      ...alone.map((p) => applyAlone(p, failures)),
    ]);
    return failures;
  };

  /** Catches one projection up on its own; throws when a batch fails. */
  const catchUpAlone = async (
    w: Worker,
    go: () => boolean,
    progress?: (position: number) => void,
  ): Promise<void> => {
    while (go()) {
      const entries = await log.read(w.position + 1, batchSize);
      if (entries.length === 0) return;
      const failure = (await applyBatch([w], entries))[0];
      if (failure) throw failure[1];
      progress?.(w.position);
    }
  };

  const failed = (w: Worker, error: unknown): void => {
    followers.delete(w);
    onError?.(error, w.name);
    if (w.retry) clearTimeout(w.retry);
    w.retry = running ? setTimeout(() => void resume(w), retryDelayMs) : null;
  };

  const follow = (from: number): void => {
    const sub = log.subscribe(
      from,
      (batch) =>
        groupExclusive(async () => {
          if (group.subscription !== sub) return;
          for (let i = 0; i < batch.length && followers.size > 0; i += batchSize) {
            const ws = [...followers];
            try {
              for (const [w, error] of await applyBatch(ws, batch.slice(i, i + batchSize)))
                failed(w, error);
            } catch (error) {
              for (const w of ws) failed(w, error);
            }
          }
        }),
      (error) => onError?.(error, 'log'),
    );
    group.subscription = sub;
  };

  /** Adds a caught-up projection to the followers, after applying what the log gained meanwhile. */
  const join = (w: Worker): Promise<void> =>
    groupExclusive(async () => {
      if (!running) return;
      try {
        await catchUpAlone(w, () => running);
      } catch (error) {
        failed(w, error);
        return;
      }
      if (!running) return;
      followers.add(w);
      if (!group.subscription) follow(w.position + 1);
    });

  const resume = (w: Worker): Promise<void> =>
    exclusive(w, async () => {
      w.retry = null;
      if (!running || followers.has(w)) return;
      try {
        w.position = await w.binding.store.checkpoint();
        await catchUpAlone(w, () => running);
      } catch (error) {
        failed(w, error);
        return;
      }
      await join(w);
    });

  /** Catches all projections up together, reading each batch once, then follows. */
  const startAll = async (): Promise<void> => {
    const ready: Worker[] = [];
    await Promise.all(
      [...workers.values()].map((w) =>
        exclusive(w, async () => {
          try {
            w.position = await w.binding.store.checkpoint();
            ready.push(w);
          } catch (error) {
            failed(w, error);
          }
        }),
      ),
    );
    await groupExclusive(async () => {
      let cohort = ready;
      while (running && cohort.length > 0) {
        const from = Math.min(...cohort.map((w) => w.position)) + 1;
        let failures: Failure[];
        try {
          const entries = await log.read(from, batchSize);
          if (entries.length === 0) break;
          failures = await applyBatch(cohort, entries);
        } catch (error) {
          failures = cohort.map((w) => [w, error] as const);
        }
        for (const [w, error] of failures) failed(w, error);
        cohort = cohort.filter((w) => !failures.some(([f]) => f === w));
        // The embedded stores answer synchronously: give the event loop a turn between batches,
        // so the HTTP server listens and answers (/readyz says 503) during a long rebuild.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (!running || cohort.length === 0) return;
      for (const w of cohort) followers.add(w);
      if (!group.subscription) follow(Math.min(...cohort.map((w) => w.position)) + 1);
    });
  };

  const workerNamed = (name: string): Worker => {
    const w = workers.get(name);
    if (!w) throw new RangeError(`no projection named ${name}`);
    return w;
  };

  /**
   * The stop in progress. A start waits for it: otherwise the stop, still closing the old
   * subscription, would forget the followers the new start had just added.
   */
  let stopping: Promise<void> = Promise.resolve();
  /** Bumped by every start and stop: of calls that overlap, the last one decides. */
  let lifecycle = 0;
  let lastCall: 'start' | 'stop' = 'stop';
  let latestStart: Promise<void> = Promise.resolve();

  return {
    start: () => {
      const ticket = ++lifecycle;
      lastCall = 'start';
      const run = (async () => {
        // A stop that failed has been reported to its caller; it does not block a new start.
        await stopping.catch(() => undefined);
        if (ticket !== lifecycle) {
          // Superseded: by a later start, whose catch-up this call then waits for; or by a stop.
          if (lastCall === 'start') await latestStart;
          return;
        }
        if (running) return;
        running = true;
        await startAll();
      })();
      latestStart = run;
      return run;
    },
    stop: () => {
      lifecycle++;
      lastCall = 'stop';
      running = false;
      followers.clear();
      for (const w of workers.values()) {
        if (w.retry) clearTimeout(w.retry);
        w.retry = null;
      }
      const sub = group.subscription;
      group.subscription = null;
      const previous = stopping;
      stopping = (async () => {
        await previous.catch(() => undefined);
        await sub?.close();
        await group.queue;
        await Promise.all([...workers.values()].map((w) => w.queue));
      })();
      return stopping;
    },
    lag: async () => {
      const size = await log.size();
      return Promise.all(
        [...workers.values()].map(async (w) =>
          lagOf(w.name, await w.binding.store.checkpoint(), size),
        ),
      );
    },
    replay: async (name, options = {}) => {
      const w = workerNamed(name);
      await exclusive(w, async () => {
        if (w.retry) clearTimeout(w.retry);
        w.retry = null;
        await groupExclusive(() => {
          followers.delete(w);
          return Promise.resolve();
        });
        try {
          const total = await log.size();
          await w.binding.store.reset();
          w.position = -1;
          options.onProgress?.({ name, done: 0, total });
          await catchUpAlone(
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
        await join(w);
      });
    },
  };
};
