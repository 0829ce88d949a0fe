import { describe, expect, it } from 'vitest';
import { useTestMongo } from '../support/mongo.js';
import { lineageGraph } from '../../projections/lineage/evolve.js';
import {
  createMongoLineageStore,
  type MongoLineageStore,
} from '../../projections/lineage/mongo/store.js';
import { lineageRunEvent } from '../support/events.js';
import {
  changesOf,
  lineageStoreContract,
  specEvents,
  specSnapshot,
} from '../support/contracts/lineage-store.js';
import { minute, runEvent, uuidOf } from '../unit/lineage/support.js';
import {
  crashSwitch,
  crashingDb,
  expectInterruptedResetsRecover,
} from '../support/interrupted-reset.js';

const db = useTestMongo('lineage');

const freshStore = async (): Promise<MongoLineageStore> => {
  const store = createMongoLineageStore({ db, archiveBatchSize: 2 });
  await store.reset();
  return store;
};

lineageStoreContract(
  'mongo',
  async () => ({ store: await freshStore(), cleanup: () => Promise.resolve() }),
  { numRuns: 30 },
);

describe('mongo lineage graph (adapter)', () => {
  it('converges when a batch is re-applied after a crash part-way through it', async () => {
    const changes = changesOf(specEvents());
    const once = await freshStore();
    await once.apply(changes, 5);
    const expected = await specSnapshot(once);
    for (const cut of [1, Math.floor(changes.length / 2), changes.length - 1]) {
      const store = await freshStore();
      // A crash after `cut` writes: they are in the store, the checkpoint is not.
      await store.apply(changes.slice(0, cut), 4);
      await store.apply(changes, 5);
      expect(await specSnapshot(store)).toEqual(expected);
    }
  });

  it('archives finished runs that ended before a date, idempotently, and still serves them', async () => {
    const store = await freshStore();
    const events = [0, 1, 2].map((r) =>
      lineageRunEvent(
        runEvent({ run: r, job: 'etl', at: minute(10 * r), inputs: ['raw'], outputs: ['clean'] }),
      ),
    );
    const running = lineageRunEvent(
      runEvent({ run: 3, job: 'etl', at: minute(1), eventType: 'RUNNING', inputs: ['raw'] }),
    );
    for (const [i, e] of [...events, running].entries())
      await store.apply(lineageGraph.changesFor(e, i), i);
    expect(await store.archiveOlderThan(new Date(minute(15)))).toBe(2);
    expect(await store.archiveOlderThan(new Date(minute(15)))).toBe(0);
    expect(await db.collection('lineage_runs').countDocuments()).toBe(2);
    expect(await db.collection('lineage_runs_archive').countDocuments()).toBe(2);
    expect(await store.run(uuidOf(0))).toMatchObject({ state: 'COMPLETED', endedAt: minute(0) });
    expect((await store.job({ namespace: 'scheduler', name: 'etl' }))?.latestRun?.runId).toBe(
      uuidOf(2),
    );

    // A late event for an archived run brings it back first.
    const late = lineageRunEvent(
      runEvent({ run: 1, job: 'etl', at: minute(50), eventType: 'FAIL' }),
    );
    await store.apply(lineageGraph.changesFor(late, 9), 9);
    expect(await store.run(uuidOf(1))).toMatchObject({
      state: 'FAILED',
      firstSeenAt: minute(10),
      inputs: [{ namespace: 'warehouse', name: 'raw' }],
    });
    expect(await db.collection('lineage_runs_archive').countDocuments()).toBe(1);
  });

  it('keeps a finished run that started last as the latest once it is archived', async () => {
    const store = await freshStore();
    // Run 0 started first and never finished; run 1 started later and completed.
    const events = [
      lineageRunEvent(runEvent({ run: 0, job: 'nightly', at: minute(0), eventType: 'START' })),
      lineageRunEvent(runEvent({ run: 1, job: 'nightly', at: minute(10), eventType: 'START' })),
      lineageRunEvent(runEvent({ run: 1, job: 'nightly', at: minute(20) })),
    ];
    for (const [i, e] of events.entries()) await store.apply(lineageGraph.changesFor(e, i), i);
    expect(await store.archiveOlderThan(new Date(minute(30)))).toBe(1);
    expect(await db.collection('lineage_runs').countDocuments()).toBe(1);
    const latest = (await store.job({ namespace: 'scheduler', name: 'nightly' }))?.latestRun;
    expect(latest).toMatchObject({ runId: uuidOf(1), state: 'COMPLETED' });
  });

  it('creates the indexes its walks use, and again harmlessly, dropping an earlier build’s', async () => {
    await db.collection('lineage_runs').dropIndexes();
    await db
      .collection('lineage_runs')
      .createIndex({ job: 1, lastSeen: -1 }, { name: 'by_job_last_seen' });
    const store = createMongoLineageStore({ db });
    await store.ensureIndexes();
    await createMongoLineageStore({ db }).ensureIndexes();
    const names = async (collection: string) =>
      (await db.collection(collection).listIndexes().toArray()).map((i) => String(i.name));
    expect(await names('lineage_column_edges')).toEqual(
      expect.arrayContaining(['by_from', 'by_to']),
    );
    expect((await names('lineage_runs')).sort()).toEqual(['_id_', 'by_end', 'by_job_start']);
  });

  it('a replay interrupted while resetting leaves the graph whole or rebuilt from the start, never caught up and empty', async () => {
    const crash = crashSwitch();
    const store = createMongoLineageStore({ db: crashingDb(db, crash) });
    await expectInterruptedResetsRecover({
      store,
      crash,
      fill: () => store.apply(changesOf(specEvents()), 5),
      answer: () => specSnapshot(store),
    });
  });
});
