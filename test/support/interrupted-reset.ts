import type { Client } from 'cassandra-driver';
import type { Collection, Db } from 'mongodb';
import { expect } from 'vitest';
import type { ProjectionStore } from '../../projections/ports.js';

/**
 * Stands for a process killed part-way: once armed with `k`, the first `k` writes go through and
 * every later one fails, as if the process had died (or the server had refused) before them.
 */
export interface Crash {
  arm(after: number): void;
  disarm(): void;
  /** Throws when the write about to be made is past the crash point. */
  check(): void;
}

export const crashSwitch = (): Crash => {
  let left: number | null = null;
  return {
    arm: (after) => {
      left = after;
    },
    disarm: () => {
      left = null;
    },
    check: () => {
      if (left === null) return;
      if (left <= 0) throw new Error('crashed here (test)');
      left -= 1;
    },
  };
};

const collectionWrites = new Set([
  'bulkWrite',
  'deleteMany',
  'deleteOne',
  'drop',
  'insertMany',
  'insertOne',
  'replaceOne',
  'updateMany',
  'updateOne',
]);

/** `db` whose collections' writes go through `crash` first. */
export const crashingDb = (db: Db, crash: Crash): Db =>
  new Proxy(db, {
    get: (target, key) => {
      if (key !== 'collection') return Reflect.get(target, key, target) as unknown;
      return (name: string) =>
        new Proxy(target.collection(name), {
          get: (coll: Collection, method) => {
            const value = Reflect.get(coll, method, coll) as unknown;
            if (typeof method !== 'string' || !collectionWrites.has(method)) return value;
            const write = value as (...a: unknown[]) => Promise<unknown>;
            return async (...args: unknown[]): Promise<unknown> => {
              crash.check();
              return write.apply(coll, args);
            };
          },
        });
    },
  });

/** `client` whose statements go through `crash` first (reads too: Cassandra's writes are CQL). */
export const crashingClient = (client: Client, crash: Crash): Client =>
  new Proxy(client, {
    get: (target, key) => {
      const value = Reflect.get(target, key, target) as unknown;
      if (key !== 'execute') return value;
      return async (...args: Parameters<Client['execute']>) => {
        crash.check();
        return target.execute(...args);
      };
    },
  });

/**
 * Interrupts `store.reset()` at every step in turn, each time over a full read model, and checks
 * what the next start would see: the read model untouched, or the checkpoint back at the start (the
 * runner then rebuilds it from position 0). Never the checkpoint still at the log's end over a read
 * model the reset had begun to empty: that one would answer with missing rows, and report itself
 * caught up, for ever. Finally the rebuild gives the full answer back.
 */
export const expectInterruptedResetsRecover = async <C>({
  store,
  crash,
  fill,
  answer,
}: {
  store: ProjectionStore<C>;
  crash: Crash;
  /** Applies the whole log to an empty store. */
  fill: () => Promise<void>;
  /** What a reader sees of the read model. */
  answer: () => Promise<unknown>;
}): Promise<void> => {
  await store.reset();
  await fill();
  const end = await store.checkpoint();
  const full = await answer();
  for (let k = 0; ; k += 1) {
    crash.arm(k);
    const interrupted = await store.reset().then(
      () => false,
      () => true,
    );
    crash.disarm();
    if (!interrupted) break;
    const position = await store.checkpoint();
    if (position === end) expect(await answer(), `crash after ${k} writes`).toEqual(full);
    else expect(position, `crash after ${k} writes`).toBe(-1);
    if (position === -1) {
      await fill();
      expect(await answer(), `rebuilt after a crash after ${k} writes`).toEqual(full);
    }
  }
};
