import { describe, expect, it } from 'vitest';
import { useTestMongo } from '../support/mongo.js';
import {
  createMongoConfigStore,
  type MongoConfigStore,
} from '../../projections/config/mongo/store.js';
import { applyAll, configChange, configStoreContract } from '../support/contracts/config-store.js';
import {
  crashSwitch,
  crashingDb,
  expectInterruptedResetsRecover,
} from '../support/interrupted-reset.js';

const db = useTestMongo('config');

const freshStore = async (): Promise<MongoConfigStore> => {
  const store = createMongoConfigStore({ db, archiveBatchSize: 2 });
  await store.reset();
  return store;
};

configStoreContract('mongo', async () => ({
  store: await freshStore(),
  cleanup: () => Promise.resolve(),
}));

describe('mongo configuration history (adapter)', () => {
  const at = (d: number) => new Date(Date.UTC(2026, 0, d)).toISOString();
  const events = [
    configChange({ after: 1 }, { occurredAt: at(1) }),
    configChange({ before: 1, after: 2 }, { occurredAt: at(2) }),
    configChange({ target: 'orders.acl', after: ['a'] }, { occurredAt: at(3) }),
    configChange({ before: 2, after: 3 }, { occurredAt: at(10) }),
    configChange({ target: 'orders.acl', before: ['a'], after: null }, { occurredAt: at(11) }),
  ];

  it('creates the indexes its queries use', async () => {
    const store = await freshStore();
    await store.ensureIndexes();
    const keys = (await db.collection('config_history').listIndexes().toArray()).map((i) =>
      Object.keys(i.key as object).join(','),
    );
    expect(keys).toEqual(expect.arrayContaining(['component,target,position', 'target,position']));
  });

  it('archives superseded entries older than a date, idempotently, and still serves them', async () => {
    const store = await freshStore();
    await applyAll(store, events);
    expect(await store.archiveOlderThan(new Date(at(5)))).toBe(3);
    expect(await store.archiveOlderThan(new Date(at(5)))).toBe(0);
    expect(await db.collection('config_history').countDocuments()).toBe(2);
    expect(await db.collection('config_history_archive').countDocuments()).toBe(3);
    const seen: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.configHistory({ first: 2, ...(after ? { after } : {}) });
      seen.push(...page.rows.map((r) => r.position));
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    expect((await store.currentConfig({})).map((s) => s.value)).toEqual([3]);
  });

  it('finishes a move interrupted between insert and delete', async () => {
    const store = await freshStore();
    await applyAll(store, events);
    const first = await db.collection('config_history').findOne({ _id: 0 as never });
    await db.collection('config_history_archive').insertOne(first!);
    expect(await store.archiveOlderThan(new Date(at(5)))).toBe(3);
    expect(await db.collection('config_history_archive').countDocuments()).toBe(3);
  });

  it('keeps the newest setting value when an old change is re-applied out of order', async () => {
    const store = await freshStore();
    await applyAll(store, events);
    const replayed = createMongoConfigStore({ db, name: 'configHistory-replay' });
    await applyAll(replayed, events.slice(0, 2));
    expect((await store.currentConfig({ target: 'orders.retention' }))[0]?.value).toBe(3);
    expect(await store.currentConfig({ target: 'orders.acl' })).toEqual([]);
  });

  it('a replay interrupted while resetting leaves the history whole or rebuilt from the start, never caught up and empty', async () => {
    const crash = crashSwitch();
    const store = createMongoConfigStore({ db: crashingDb(db, crash), archiveBatchSize: 2 });
    await expectInterruptedResetsRecover({
      store,
      crash,
      fill: async () => {
        await applyAll(store, events);
        await store.archiveOlderThan(new Date(at(5)));
      },
      answer: async () => ({
        history: await store.configHistory({ first: 10 }),
        current: await store.currentConfig({}),
      }),
    });
  });
});
