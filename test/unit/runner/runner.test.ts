import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { accessHistory } from '../../../projections/access/evolve.js';
import { createSqliteAccessStore } from '../../../projections/access/sqlite/store.js';
import { configHistory } from '../../../projections/config/evolve.js';
import { createSqliteConfigStore } from '../../../projections/config/sqlite/store.js';
import type { ProjectionStore } from '../../../projections/ports.js';
import { createProjectionRunner } from '../../../projections/runner.js';
import { createMemoryEventLog } from '../../support/memory-event-log.js';
import { createTallyStore, someEvents, tally } from './fixtures.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

const snapshot = async (db: Database.Database) => {
  const access = createSqliteAccessStore({ db, now: () => new Date('2026-12-01T00:00:00Z') });
  const config = createSqliteConfigStore({ db });
  return {
    byPrincipal: await Promise.all(
      ['p0', 'p1', 'p2'].map((principal) => access.accessHistory({ principal, first: 1000 })),
    ),
    bySubject: (await access.accessHistory({ subject: 'subj_s10000000000000', first: 1000 })).rows,
    history: await config.configHistory({ first: 1000 }),
    current: await config.currentConfig({}),
  };
};

describe('projection runner', () => {
  it('catches up from the checkpoint in batches, one apply per batch, then follows new events', async () => {
    const log = createMemoryEventLog({ subscribeBatch: 4 });
    await log.appendEvents(someEvents(25));
    const db = new Database(':memory:');
    const store = createTallyStore(db);
    const applied: number[] = [];
    const counted: ProjectionStore<number> = {
      ...store,
      apply: (c, p) => (applied.push(p), store.apply(c, p)),
    };
    const runner = createProjectionRunner({
      log,
      projections: [{ projection: tally(), store: counted }],
      batchSize: 10,
    });

    await runner.start();
    expect(applied).toEqual([9, 19, 24]);
    expect(await runner.lag()).toEqual([
      { name: 'tally', position: 24, headPosition: 24, behind: 0 },
    ]);

    await log.appendEvents(someEvents(6, 25));
    await log.idle();
    expect(applied.slice(3)).toEqual([28, 30]);
    expect(store.applied()).toEqual(range(31));
    await runner.stop();
  });

  it.each([
    ['closes at once', 0],
    // A server-backed log (EventStoreDB) takes a round trip to close a subscription.
    ['takes a while to close', 30],
  ])(
    'follows again when started while a stop is still finishing (the subscription %s)',
    async (_, closeMs) => {
      const log = createMemoryEventLog({ subscribeBatch: 4 });
      await log.appendEvents(someEvents(5));
      const closing: typeof log = {
        ...log,
        subscribe: (from, onBatch, onError) => {
          const sub = log.subscribe(from, onBatch, onError);
          return {
            close: async () => {
              if (closeMs > 0) await new Promise((r) => setTimeout(r, closeMs));
              await sub.close();
            },
          };
        },
      };
      const store = createTallyStore(new Database(':memory:'));
      const runner = createProjectionRunner({
        log: closing,
        projections: [{ projection: tally(), store }],
        batchSize: 10,
      });
      await runner.start();
      const stopped = runner.stop();
      await runner.start();
      await stopped;
      await log.appendEvents(someEvents(3, 5));
      await log.idle();
      for (let waited = 0; store.applied().length < 8 && waited < 2000; waited += 20)
        await new Promise((r) => setTimeout(r, 20));
      expect(store.applied()).toEqual(range(8));
      await runner.stop();
    },
  );

  it('lets the last of overlapping starts and stops decide, leaving no subscription open', async () => {
    const log = createMemoryEventLog({ subscribeBatch: 4 });
    await log.appendEvents(someEvents(5));
    let open = 0;
    const counted: typeof log = {
      ...log,
      subscribe: (from, onBatch, onError) => {
        const sub = log.subscribe(from, onBatch, onError);
        open++;
        return {
          close: async () => {
            await new Promise((r) => setTimeout(r, 20));
            await sub.close();
            open--;
          },
        };
      },
    };
    const store = createTallyStore(new Database(':memory:'));
    const runner = createProjectionRunner({
      log: counted,
      projections: [{ projection: tally(), store }],
      batchSize: 10,
    });
    // Two starts at once: each resolves only once the projections have caught up.
    const first = runner.start();
    void runner.start();
    await first;
    expect(store.applied()).toEqual(range(5));
    // stop (slow close), start, stop: stopped.
    void runner.stop();
    void runner.start();
    await runner.stop();
    // start, then stop before it got going: stopped.
    void runner.start();
    await runner.stop();
    await new Promise((r) => setTimeout(r, 50));
    await log.appendEvents(someEvents(3, 5));
    await log.idle();
    await new Promise((r) => setTimeout(r, 50));
    expect(store.applied()).toEqual(range(5));
    expect(open).toBe(0);
  });

  it('lets timers and I/O run between catch-up batches, so the server answers during a rebuild', async () => {
    const log = createMemoryEventLog({ subscribeBatch: 4 });
    await log.appendEvents(someEvents(50));
    const db = new Database(':memory:');
    const store = createTallyStore(db);
    let turns = 0;
    const appliedAtTurn: number[] = [];
    const counted: ProjectionStore<number> = {
      ...store,
      apply: (c, p) => (appliedAtTurn.push(turns), store.apply(c, p)),
    };
    const runner = createProjectionRunner({
      log,
      projections: [{ projection: tally(), store: counted }],
      batchSize: 10,
    });
    // Counts turns of the event loop. (A 1 ms timer proved nothing: five small batches may all
    // finish within a millisecond, turns or not.)
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await runner.start();
    ticking = false;
    expect(appliedAtTurn).toHaveLength(5);
    // The loop turned between the first and the last batch: it was not held.
    expect(appliedAtTurn.at(-1)!).toBeGreaterThan(appliedAtTurn[0]!);
    await runner.stop();
  });

  it('reports how far each projection is behind', async () => {
    const log = createMemoryEventLog();
    await log.appendEvents(someEvents(12));
    const db = new Database(':memory:');
    const runner = createProjectionRunner({
      log,
      projections: [{ projection: tally(), store: createTallyStore(db) }],
      batchSize: 5,
    });
    expect(await runner.lag()).toEqual([
      { name: 'tally', position: -1, headPosition: 11, behind: 12 },
    ]);
  });

  it('neither loses nor repeats an event when it crashes between batches and a new runner resumes', async () => {
    const log = createMemoryEventLog();
    await log.appendEvents(someEvents(30));
    const db = new Database(':memory:');
    const errors: unknown[] = [];
    const crashing = createProjectionRunner({
      log,
      projections: [{ projection: tally(new Set([17])), store: createTallyStore(db) }],
      batchSize: 7,
      onError: (e) => errors.push(e),
      retryDelayMs: 60_000,
    });
    await crashing.start();
    await crashing.stop();
    expect(errors).toHaveLength(1);
    expect(createTallyStore(db).applied()).toEqual(range(14));

    const resumed = createProjectionRunner({
      log,
      projections: [{ projection: tally(), store: createTallyStore(db) }],
      batchSize: 7,
    });
    await resumed.start();
    await log.appendEvents(someEvents(5, 30));
    await log.idle();
    await resumed.stop();
    expect(createTallyStore(db).applied()).toEqual(range(35));
  });

  it('resumes the real read models exactly where they stopped', async () => {
    const log = createMemoryEventLog();
    const events = someEvents(40);
    await log.appendEvents(events.slice(0, 23));
    const db = new Database(':memory:');
    const bindings = () => [
      { projection: accessHistory, store: createSqliteAccessStore({ db }) },
      { projection: configHistory, store: createSqliteConfigStore({ db }) },
    ];
    const first = createProjectionRunner({ log, projections: bindings(), batchSize: 5 });
    await first.start();
    await first.stop();
    await log.appendEvents(events.slice(23));
    const second = createProjectionRunner({ log, projections: bindings(), batchSize: 5 });
    await second.start();
    await second.stop();

    const accessRows = db
      .prepare(
        'SELECT idx, count(*) AS n, count(DISTINCT position) AS d FROM access_keys GROUP BY idx ORDER BY idx',
      )
      .all();
    expect(accessRows).toEqual([
      { idx: 'principal', n: 20, d: 20 },
      { idx: 'resource', n: 20, d: 20 },
      { idx: 'subject', n: 20, d: 20 },
    ]);
    expect(db.prepare('SELECT count(*) AS n FROM access_events').get()).toEqual({ n: 20 });
    expect(db.prepare('SELECT count(*) AS n FROM config_history').get()).toEqual({ n: 20 });
    expect(await second.lag()).toEqual([
      { name: 'accessHistory', position: 39, headPosition: 39, behind: 0 },
      { name: 'configHistory', position: 39, headPosition: 39, behind: 0 },
    ]);
  });

  it('applies each event once even when a subscription redelivers from an earlier position', async () => {
    const log = createMemoryEventLog({ subscribeBatch: 3 });
    await log.appendEvents(someEvents(8));
    const db = new Database(':memory:');
    const store = createTallyStore(db);
    const replaying = {
      ...log,
      subscribe: (_from: number, onBatch: Parameters<typeof log.subscribe>[1]) =>
        log.subscribe(0, onBatch),
    };
    const runner = createProjectionRunner({
      log: replaying,
      projections: [{ projection: tally(), store }],
      batchSize: 4,
    });
    await runner.start();
    await log.appendEvents(someEvents(3, 8));
    await log.idle();
    await runner.stop();
    expect(store.applied()).toEqual(range(11));
  });

  it('reports a failing batch and resumes from its checkpoint', async () => {
    const log = createMemoryEventLog();
    const db = new Database(':memory:');
    const store = createTallyStore(db);
    let failures = 1;
    const flaky: ProjectionStore<number> = {
      ...store,
      apply: async (c, p) => {
        if (p >= 3 && failures-- > 0) throw new Error('disk full');
        return store.apply(c, p);
      },
    };
    const errors: string[] = [];
    const runner = createProjectionRunner({
      log,
      projections: [{ projection: tally(), store: flaky }],
      batchSize: 100,
      retryDelayMs: 1,
      onError: (e, name) => errors.push(`${name}: ${(e as Error).message}`),
    });
    await runner.start();
    await log.appendEvents(someEvents(3));
    await log.idle();
    await log.appendEvents(someEvents(4, 3));
    await expect.poll(() => store.applied().length).toBe(7);
    await runner.stop();
    expect(errors).toEqual(['tally: disk full']);
    expect(store.applied()).toEqual(range(7));
  });

  it('rebuilds a read model from position 0 to the same state it reached live', async () => {
    const log = createMemoryEventLog({ subscribeBatch: 3 });
    const db = new Database(':memory:');
    const runner = createProjectionRunner({
      log,
      projections: [
        { projection: accessHistory, store: createSqliteAccessStore({ db }) },
        { projection: configHistory, store: createSqliteConfigStore({ db }) },
      ],
      batchSize: 4,
    });
    await runner.start();
    for (let round = 0; round < 5; round++) {
      await log.appendEvents(someEvents(7, round * 7));
      await log.idle();
    }
    const live = await snapshot(db);
    expect(live.history.rows).toHaveLength(17);

    const progress: { done: number; total: number }[] = [];
    await runner.replay('configHistory', {
      onProgress: ({ done, total }) => progress.push({ done, total }),
    });
    await runner.replay('accessHistory');
    expect(await snapshot(db)).toEqual(live);
    expect(progress[0]).toEqual({ done: 0, total: 35 });
    expect(progress.at(-1)).toEqual({ done: 35, total: 35 });

    await log.appendEvents(someEvents(2, 35));
    await log.idle();
    expect((await snapshot(db)).history.rows).toHaveLength(18);
    await runner.stop();
    await expect(runner.replay('nope')).rejects.toThrow(/no projection/);
  });
});
