import { describe, expect, it } from 'vitest';
import { useTestMongo } from '../support/mongo.js';
import { erasureCases } from '../../projections/erasure/evolve.js';
import {
  createMongoErasureStore,
  type MongoErasureStore,
} from '../../projections/erasure/mongo/store.js';
import {
  asRecorded,
  erasureContractNow,
  erasureSnapshot,
  erasureStoreContract,
} from '../support/contracts/erasure-store.js';
import { datasetClassified } from '../support/events.js';
import {
  crashSwitch,
  crashingDb,
  expectInterruptedResetsRecover,
} from '../support/interrupted-reset.js';
import { caseId, issued, requested } from '../unit/erasure/fixtures.js';

const db = useTestMongo('erasure');

const freshStore = async (): Promise<MongoErasureStore> => {
  const store = createMongoErasureStore({ db, now: () => erasureContractNow });
  await store.reset();
  return store;
};

erasureStoreContract(
  'mongo',
  async () => ({ store: await freshStore(), cleanup: () => Promise.resolve() }),
  { numRuns: 15 },
);

describe('mongo erasure cases (adapter)', () => {
  it('creates the indexes its queries use, and only once', async () => {
    const store = await freshStore();
    await store.ensureIndexes();
    await createMongoErasureStore({ db }).ensureIndexes();
    const keys = async (name: string) =>
      (await db.collection(name).listIndexes().toArray()).map((i) =>
        Object.keys(i.key as object).join(','),
      );
    expect(await keys('erasure_cases')).toEqual(
      expect.arrayContaining(['certified,dueMs', 'status,dueMs', 'subject,certified']),
    );
    expect(await keys('erasure_pii')).toEqual(
      expect.arrayContaining(['namespace,name,source', 'live,namespace,name,field']),
    );
  });

  it('finishes a batch that failed before its checkpoint moved, without applying anything twice', async () => {
    const store = await freshStore();
    const events = [requested(), issued('t1'), issued('t2')].map(asRecorded);
    const classified = datasetClassified({ namespace: 'n', name: 'd' }, ['pii.x'], 'f');
    const batch = [
      ...events.flatMap((e, i) => erasureCases.changesFor(e, i)),
      ...erasureCases.changesFor(classified, 3),
    ];
    await store.apply(batch, 3);
    const expected = await erasureSnapshot(store);
    // A crash after the documents were written but before the checkpoint advanced.
    await db.collection('projection_checkpoints').deleteOne({ _id: erasureCases.name as never });
    expect(await store.checkpoint()).toBe(-1);
    await store.apply(batch, 3);
    expect(await erasureSnapshot(store)).toEqual(expected);
    expect((await store.case(caseId))?.tasks).toHaveLength(2);
  });

  it('leaves a document written by a later batch alone when an older batch reaches it', async () => {
    const store = await freshStore();
    const events = [requested(), issued('t1'), issued('t2')].map(asRecorded);
    await store.apply(
      events.flatMap((e, i) => erasureCases.changesFor(e, i)),
      2,
    );
    await db.collection('projection_checkpoints').deleteOne({ _id: erasureCases.name as never });
    await store.apply(erasureCases.changesFor(events[0]!, 0), 0);
    await store.apply(
      erasureCases.changesFor(datasetClassified({ namespace: 'n', name: 'd' }, ['x'], 'f'), 1),
      1,
    );
    await store.apply(
      erasureCases.changesFor(datasetClassified({ namespace: 'n', name: 'd' }, [], 'f'), 5),
      5,
    );
    await db.collection('projection_checkpoints').deleteOne({ _id: erasureCases.name as never });
    await store.apply(
      erasureCases.changesFor(datasetClassified({ namespace: 'n', name: 'd' }, ['x'], 'f'), 1),
      1,
    );
    expect((await store.case(caseId))?.events.map((e) => e.position)).toEqual([0, 1, 2]);
    expect(await store.classifiedDatasets()).toEqual([]);
  });

  it('a replay interrupted while resetting leaves the cases whole or rebuilt from the start, never caught up and empty', async () => {
    const crash = crashSwitch();
    const store = createMongoErasureStore({
      db: crashingDb(db, crash),
      now: () => erasureContractNow,
    });
    const events = [
      ...[requested(), issued('t1')].map(asRecorded),
      datasetClassified({ namespace: 'n', name: 'd' }, ['pii.x']),
    ];
    await expectInterruptedResetsRecover({
      store,
      crash,
      fill: async () => {
        for (const [position, e] of events.entries())
          await store.apply(erasureCases.changesFor(e, position), position);
      },
      answer: () => erasureSnapshot(store),
    });
  });
});
