import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigChangedData } from '../../../domain/events/config.js';
import type { RecordedEnvelope } from '../../../domain/envelope.js';
import { configHistoryChanges } from '../../../projections/config/evolve.js';
import type { ConfigHistoryEntry, ConfigHistoryStore } from '../../../projections/config/ports.js';
import { recorded } from '../events.js';
import type { StoreFixture } from './access-store.js';

export const configChange = (
  data: Partial<ConfigChangedData>,
  envelope: Partial<Omit<RecordedEnvelope, 'type' | 'data'>> = {},
) =>
  recorded(
    'ConfigChanged',
    { component: 'kafka', target: 'orders.retention', before: null, after: null, ...data },
    envelope,
  );

type ConfigEvent = ReturnType<typeof configChange>;

export const applyAll = async (
  store: ConfigHistoryStore,
  events: readonly ConfigEvent[],
  firstPosition = 0,
): Promise<void> => {
  for (const [i, e] of events.entries()) {
    const position = firstPosition + i;
    await store.apply(configHistoryChanges(e, position), position);
  }
};

/** The behaviour every `ConfigHistoryStore` adapter shares; `makeStore` returns an empty store. */
export const configStoreContract = (
  name: string,
  makeStore: () => Promise<StoreFixture<ConfigHistoryStore>>,
): void => {
  describe(`${name} configuration history (contract)`, () => {
    const actor = { principal: 'ops-bot', role: 'admin' } as const;
    const events = [
      configChange(
        {
          before: null,
          after: { ms: 1000, compact: false },
          kind: 'retention',
          changeRef: 'mr!12',
        },
        { actor },
      ),
      configChange({ target: 'orders.acl', before: null, after: ['alice'] }),
      configChange({ before: { ms: 1000, compact: false }, after: { ms: 5000, compact: false } }),
      configChange({ component: 'mongo', target: 'crm.ttl', before: null, after: 30 }),
      configChange({ target: 'orders.acl', before: ['alice'], after: null }),
    ];
    let fixture: StoreFixture<ConfigHistoryStore>;
    let store: ConfigHistoryStore;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('keeps every change with its diff, actor and change reference', async () => {
      await applyAll(store, events);
      const page = await store.configHistory({
        component: 'kafka',
        target: 'orders.retention',
        first: 10,
      });
      expect(page.rows.map((r) => r.position)).toEqual([2, 0]);
      expect(page.rows[0]?.diff).toEqual([
        { path: '/ms', op: 'replace', before: 1000, after: 5000 },
      ]);
      expect(page.rows[0]).toMatchObject({
        kind: null,
        changeRef: null,
        before: { ms: 1000, compact: false },
      });
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

    it('keeps values whose keys are not plain identifiers', async () => {
      const value = { 'retention.ms': 1, $schema: 'x', 'a/b': [null, { '': true }] };
      await applyAll(store, [configChange({ before: null, after: value })]);
      expect((await store.configHistory({ first: 1 })).rows[0]?.after).toEqual(value);
      expect((await store.currentConfig({}))[0]?.value).toEqual(value);
    });

    it('filters by component or target alone, and pages newest first without gaps', async () => {
      await applyAll(store, events);
      expect(
        (await store.configHistory({ component: 'kafka', first: 10 })).rows.map((r) => r.position),
      ).toEqual([4, 2, 1, 0]);
      expect(
        (await store.configHistory({ target: 'orders.acl', first: 10 })).rows.map(
          (r) => r.position,
        ),
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
      await expect(store.configHistory({ first: -1 })).rejects.toThrow(/first/);
    });

    it('holds the latest value of every setting and forgets removed ones', async () => {
      await applyAll(store, events);
      const current = await store.currentConfig({});
      expect(current.map((s) => [s.component, s.target, s.value])).toEqual([
        ['kafka', 'orders.retention', { ms: 5000, compact: false }],
        ['mongo', 'crm.ttl', 30],
      ]);
      expect(current[0]).toMatchObject({
        position: 2,
        eventId: events[2]!.id,
        kind: null,
        time: events[2]!.occurredAt,
      });
      expect(current[1]?.eventId).toBe(events[3]!.id);
      expect(await store.currentConfig({ component: 'mongo', target: 'crm.ttl' })).toHaveLength(1);
      expect(await store.currentConfig({ target: 'orders.acl' })).toEqual([]);
    });

    it('brings back a removed setting that is set again, within one batch too', async () => {
      const again = [
        configChange({ target: 'orders.acl', before: null, after: ['alice'] }),
        configChange({ target: 'orders.acl', before: ['alice'], after: null }),
        configChange({ target: 'orders.acl', before: null, after: ['bob'] }),
      ];
      await store.apply(
        again.flatMap((e, i) => configHistoryChanges(e, i)),
        2,
      );
      expect(
        (await store.currentConfig({ target: 'orders.acl' })).map((s) => [s.value, s.eventId]),
      ).toEqual([[['bob'], again[2]!.id]]);
      await applyAll(
        store,
        [configChange({ target: 'orders.acl', before: ['bob'], after: null })],
        3,
      );
      expect(await store.currentConfig({ target: 'orders.acl' })).toEqual([]);
    });

    it('is unchanged by a replayed batch and empty after reset', async () => {
      await applyAll(store, events);
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

    it('only moves its checkpoint forward, and writes a change applied twice once', async () => {
      const changes = configHistoryChanges(events[0]!, 4);
      await store.apply([...changes, ...changes], 4);
      await store.apply(configHistoryChanges(events[3]!, 2), 2);
      expect(await store.checkpoint()).toBe(4);
      expect((await store.configHistory({ first: 10 })).rows.map((r) => r.position)).toEqual([4]);
      expect(await store.currentConfig({})).toHaveLength(1);
    });
  });
};
