import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { ConfigChangedData } from '../../../domain/events/config.js';
import type { RecordedEnvelope } from '../../../domain/envelope.js';
import { configHistoryChanges } from '../../../projections/config/evolve.js';
import type { ConfigHistoryEntry, ConfigHistoryStore } from '../../../projections/config/ports.js';
import { createSqliteConfigStore } from '../../../projections/config/sqlite/store.js';
import { recorded } from '../../support/events.js';

const change = (
  data: Partial<ConfigChangedData>,
  envelope: Partial<Omit<RecordedEnvelope, 'type' | 'data'>> = {},
) =>
  recorded(
    'ConfigChanged',
    { component: 'kafka', target: 'orders.retention', before: null, after: null, ...data },
    envelope,
  );

const storeWith = async (
  events: readonly ReturnType<typeof change>[],
): Promise<ConfigHistoryStore> => {
  const store = createSqliteConfigStore({ db: new Database(':memory:') });
  for (const [position, e] of events.entries())
    await store.apply(configHistoryChanges(e, position), position);
  return store;
};

describe('configuration history', () => {
  const actor = { principal: 'ops-bot', role: 'admin' } as const;
  const events = [
    change(
      { before: null, after: { ms: 1000, compact: false }, kind: 'retention', changeRef: 'mr!12' },
      { actor },
    ),
    change({ target: 'orders.acl', before: null, after: ['alice'] }),
    change({ before: { ms: 1000, compact: false }, after: { ms: 5000, compact: false } }),
    change({ component: 'mongo', target: 'crm.ttl', before: null, after: 30 }),
    change({ target: 'orders.acl', before: ['alice'], after: null }),
  ];

  it('keeps every change with its diff, actor and change reference', async () => {
    const store = await storeWith(events);
    const page = await store.configHistory({
      component: 'kafka',
      target: 'orders.retention',
      first: 10,
    });
    expect(page.rows.map((r) => r.position)).toEqual([2, 0]);
    expect(page.rows[0]?.diff).toEqual([{ path: '/ms', op: 'replace', before: 1000, after: 5000 }]);
    expect(page.rows[1]).toMatchObject<Partial<ConfigHistoryEntry>>({
      eventId: events[0]!.id,
      time: events[0]!.occurredAt,
      kind: 'retention',
      before: null,
      after: { ms: 1000, compact: false },
      actor,
      changeRef: 'mr!12',
    });
  });

  it('filters by component or target alone, and pages newest first without gaps', async () => {
    const store = await storeWith(events);
    expect(
      (await store.configHistory({ component: 'kafka', first: 10 })).rows.map((r) => r.position),
    ).toEqual([4, 2, 1, 0]);
    expect(
      (await store.configHistory({ target: 'orders.acl', first: 10 })).rows.map((r) => r.position),
    ).toEqual([4, 1]);
    const seen: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.configHistory({
        first: 2,
        ...(after === undefined ? {} : { after }),
      });
      seen.push(...page.rows.map((r) => r.position));
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    await expect(store.configHistory({ first: 2, after: 'garbage!' })).rejects.toThrow(/cursor/);
  });

  it('holds the latest value of every setting and forgets removed ones', async () => {
    const store = await storeWith(events);
    const current = await store.currentConfig({});
    expect(current.map((s) => [s.component, s.target, s.value])).toEqual([
      ['kafka', 'orders.retention', { ms: 5000, compact: false }],
      ['mongo', 'crm.ttl', 30],
    ]);
    expect(await store.currentConfig({ component: 'mongo', target: 'crm.ttl' })).toHaveLength(1);
    expect(await store.currentConfig({ target: 'orders.acl' })).toEqual([]);
  });

  it('is unchanged by a replayed batch and empty after reset', async () => {
    const store = await storeWith(events);
    await store.apply(configHistoryChanges(events[0]!, 0), 0);
    expect((await store.currentConfig({ target: 'orders.retention' }))[0]?.value).toEqual({
      ms: 5000,
      compact: false,
    });
    await store.reset();
    expect(await store.checkpoint()).toBe(-1);
    expect((await store.configHistory({ first: 10 })).rows).toEqual([]);
    expect(await store.currentConfig({})).toEqual([]);
  });
});
