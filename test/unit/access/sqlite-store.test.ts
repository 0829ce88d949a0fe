import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessActions, AccessDecisions } from '../../../domain/events/access.js';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { accessHistoryChanges } from '../../../projections/access/evolve.js';
import type {
  AccessHistoryQuery,
  AccessHistoryStore,
  AccessRow,
} from '../../../projections/access/ports.js';
import { createSqliteAccessStore } from '../../../projections/access/sqlite/store.js';
import { recorded, subjectId } from '../../support/events.js';
import { accessEvent } from './fixtures.js';

const now = new Date('2026-06-30T12:00:00Z');
const resource = 'kafka://main/orders';

const storeWith = async (
  events: readonly AuditEvent[],
  at: Date = now,
): Promise<AccessHistoryStore> => {
  const store = createSqliteAccessStore({ db: new Database(':memory:'), now: () => at });
  let position = 0;
  for (const e of events) {
    await store.apply(accessHistoryChanges(e, position), position);
    position += 1;
  }
  return store;
};

const allPages = async (store: AccessHistoryStore, q: AccessHistoryQuery): Promise<AccessRow[]> => {
  const rows: AccessRow[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.accessHistory({ ...q, ...(after === undefined ? {} : { after }) });
    rows.push(...page.rows);
    if (!page.hasNextPage) return rows;
    expect(page.endCursor).not.toBeNull();
    after = page.endCursor!;
  }
};

const day = (d: number, h = 0) => new Date(Date.UTC(2026, 5, d, h)).toISOString();

describe('sqlite access history', () => {
  it('answers by resource, by principal and by subject, newest first', async () => {
    const s = subjectId('carol');
    const store = await storeWith([
      accessEvent({ principal: 'alice' }, { occurredAt: day(1), subjects: [s] }),
      accessEvent(
        { principal: 'bob', resource: 'mongodb://crm/customers' },
        { occurredAt: day(3), subjects: [s] },
      ),
      accessEvent(
        { principal: 'alice', resource: 'mongodb://crm/customers' },
        { occurredAt: day(2) },
      ),
    ]);
    const positions = async (q: AccessHistoryQuery) =>
      (await store.accessHistory(q)).rows.map((r) => r.position);
    expect(await positions({ resource: 'mongodb://crm/customers', first: 10 })).toEqual([1, 2]);
    expect(await positions({ principal: 'alice', first: 10 })).toEqual([2, 0]);
    expect(await positions({ subject: s, first: 10 })).toEqual([1, 0]);
    expect((await store.accessHistory({ subject: s, first: 1 })).rows[0]?.subject).toBe(s);
  });

  it('pages through every row exactly once, whatever the page size and filters', async () => {
    const eventArb = fc.record({
      day: fc.integer({ min: 1, max: 28 }),
      hour: fc.integer({ min: 0, max: 2 }),
      action: fc.constantFrom(...AccessActions),
      decision: fc.constantFrom(...AccessDecisions),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.option(fc.constantFrom(...AccessActions), { nil: undefined }),
        fc.option(fc.constantFrom(...AccessDecisions), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 28 }), { nil: undefined }),
        async (specs, first, action, decision, fromDay) => {
          const store = await storeWith(
            specs.map((x) =>
              accessEvent(
                { action: x.action, decision: x.decision },
                { occurredAt: day(x.day, x.hour) },
              ),
            ),
          );
          const from = fromDay === undefined ? undefined : day(fromDay);
          const to = fromDay === undefined ? undefined : day(fromDay + 5);
          const q = {
            resource,
            first,
            ...(action && { action }),
            ...(decision && { decision }),
            ...(from && to && { from, to }),
          };
          const got = await allPages(store, q);
          const expected = specs
            .map((x, position) => ({ ...x, position, time: day(x.day, x.hour) }))
            .filter(
              (x) => (!action || x.action === action) && (!decision || x.decision === decision),
            )
            .filter((x) => !from || !to || (x.time >= from && x.time < to))
            .sort((a, b) => b.time.localeCompare(a.time) || b.position - a.position)
            .map((x) => x.position);
          expect(got.map((r) => r.position)).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('returns an empty last page with no cursor', async () => {
    const store = await storeWith([accessEvent()]);
    const page = await store.accessHistory({ principal: 'alice', first: 1 });
    expect(page.hasNextPage).toBe(false);
    expect(
      await store.accessHistory({ principal: 'alice', first: 1, after: page.endCursor! }),
    ).toEqual({
      rows: [],
      endCursor: null,
      hasNextPage: false,
    });
  });

  it('rejects a query without exactly one selector, a bad cursor or a bad page size', async () => {
    const store = await storeWith([]);
    await expect(store.accessHistory({ first: 1 } as AccessHistoryQuery)).rejects.toThrow(
      RangeError,
    );
    await expect(
      store.accessHistory({ resource, principal: 'a', first: 1 } as unknown as AccessHistoryQuery),
    ).rejects.toThrow(/exactly one/);
    await expect(store.accessHistory({ resource, first: 1, after: 'bm9wZQ' })).rejects.toThrow(
      /cursor/,
    );
    await expect(store.accessHistory({ resource, first: -1 })).rejects.toThrow(/first/);
    await expect(store.accessHistory({ resource, first: 1, from: 'yesterday' })).rejects.toThrow(
      /from/,
    );
  });

  it('hides rows past retention, per resource or by default, and purges them', async () => {
    const other = 'mongodb://crm/customers';
    const store = await storeWith([
      recorded('RetentionPolicySet', { resource: '*', scope: 'access-history', retentionDays: 30 }),
      recorded('RetentionPolicySet', {
        resource: other,
        scope: 'access-history',
        retentionDays: 90,
      }),
      accessEvent({}, { occurredAt: '2026-05-01T00:00:00Z' }),
      accessEvent({}, { occurredAt: '2026-06-15T00:00:00Z' }),
      accessEvent({ resource: other }, { occurredAt: '2026-05-01T00:00:00Z' }),
      accessEvent({ resource: other }, { occurredAt: '2026-03-01T00:00:00Z' }),
    ]);
    const visible = async () =>
      (await store.accessHistory({ principal: 'alice', first: 10 })).rows.map((r) => r.position);
    expect(await visible()).toEqual([3, 4]);
    expect(await store.purgeExpired(now)).toBe(4);
    expect(await visible()).toEqual([3, 4]);
    expect(await store.purgeExpired(now)).toBe(0);
  });

  it("purges a subject's rows from the by-subject index only", async () => {
    const s = subjectId('dave');
    const store = await storeWith([
      accessEvent({}, { subjects: [s] }),
      accessEvent({}, { subjects: [s, subjectId('erin')] }),
    ]);
    expect(await store.purgeSubject(s)).toBe(2);
    expect((await store.accessHistory({ subject: s, first: 10 })).rows).toEqual([]);
    expect((await store.accessHistory({ resource, first: 10 })).rows).toHaveLength(2);
    expect(
      (await store.accessHistory({ subject: subjectId('erin'), first: 10 })).rows,
    ).toHaveLength(1);
  });

  it('ignores a batch at or below its checkpoint, and resets to nothing', async () => {
    const store = await storeWith([accessEvent()]);
    await store.apply(accessHistoryChanges(accessEvent(), 0), 0);
    expect(await store.checkpoint()).toBe(0);
    expect((await store.accessHistory({ resource, first: 10 })).rows).toHaveLength(1);
    await store.reset();
    expect(await store.checkpoint()).toBe(-1);
    expect((await store.accessHistory({ resource, first: 10 })).rows).toEqual([]);
  });

  it('applies a batch and its checkpoint atomically', async () => {
    const db = new Database(':memory:');
    const store = createSqliteAccessStore({ db, now: () => now });
    const good = accessHistoryChanges(accessEvent(), 0);
    const broken = JSON.parse(JSON.stringify(good[0]));
    broken.row.eventId = null;
    await expect(store.apply([...good, broken], 1)).rejects.toThrow();
    expect(await store.checkpoint()).toBe(-1);
    expect(db.prepare('SELECT count(*) AS n FROM access_rows').get()).toEqual({ n: 0 });
  });
});
