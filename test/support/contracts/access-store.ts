import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import type { AccessRecordedData } from '../../../domain/events/access.js';
import { AccessActions, AccessDecisions } from '../../../domain/events/access.js';
import type { RecordedEnvelope } from '../../../domain/envelope.js';
import { decodeAccessCursor } from '../../../projections/access/cursor.js';
import { accessHistoryChanges } from '../../../projections/access/evolve.js';
import type {
  AccessHistoryQuery,
  AccessHistoryStore,
  AccessRow,
} from '../../../projections/access/ports.js';
import { recorded, subjectId } from '../events.js';

/** What a contract run needs from an adapter: a store over an empty read model, and a way to drop it. */
export interface StoreFixture<S> {
  readonly store: S;
  readonly cleanup: () => Promise<void>;
}

export interface AccessContractOptions {
  /** Runs of the paging property; lower it for remote stores. Default 60. */
  readonly numRuns?: number;
}

/** The instant every contract store is built with, as its clock (`now`). */
export const accessContractNow = new Date('2026-06-30T12:00:00Z');

const resource = 'kafka://main/orders';

export const accessEvent = (
  data: Partial<AccessRecordedData> = {},
  envelope: Partial<Omit<RecordedEnvelope, 'type' | 'data'>> = {},
) =>
  recorded(
    'AccessRecorded',
    {
      principal: 'alice',
      resource,
      action: 'read',
      decision: 'allowed',
      mechanism: 'kafka-acl',
      ...data,
    },
    envelope,
  );

const day = (d: number, h = 0) => new Date(Date.UTC(2026, 5, d, h)).toISOString();

/** Applies events one by one at the store's next positions; returns the positions used. */
const feeder = (store: AccessHistoryStore) => {
  let next = 0;
  return async (events: readonly AuditEvent[]): Promise<number[]> => {
    const positions: number[] = [];
    for (const e of events) {
      await store.apply(accessHistoryChanges(e, next), next);
      positions.push(next);
      next += 1;
    }
    return positions;
  };
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

/**
 * The behaviour every `AccessHistoryStore` adapter shares. `makeStore` gets the clock to build the
 * store with and returns a store over an empty read model.
 */
export const accessStoreContract = (
  name: string,
  makeStore: (deps: { now: () => Date }) => Promise<StoreFixture<AccessHistoryStore>>,
  options: AccessContractOptions = {},
): void => {
  describe(`${name} access history (contract)`, () => {
    let fixture: StoreFixture<AccessHistoryStore>;
    let store: AccessHistoryStore;
    let feed: (events: readonly AuditEvent[]) => Promise<number[]>;

    beforeEach(async () => {
      fixture = await makeStore({ now: () => accessContractNow });
      store = fixture.store;
      feed = feeder(store);
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('answers by resource, by principal and by subject, newest first', async () => {
      const s = subjectId('carol');
      await feed([
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

    it('returns rows exactly as recorded', async () => {
      const s = subjectId('frank');
      const e = accessEvent(
        {
          principal: 'svc-test',
          action: 'query',
          decision: 'denied',
          mechanism: 'jwt',
          clientAddress: '10.0.0.7',
          operation: 'find',
        },
        { occurredAt: '2026-06-20T10:11:12.345Z', subjects: [s] },
      );
      await feed([e]);
      const expected: AccessRow = {
        time: '2026-06-20T10:11:12.345Z',
        position: 0,
        eventId: e.id,
        principal: 'svc-test',
        role: 'system',
        resource,
        action: 'query',
        decision: 'denied',
        mechanism: 'jwt',
        clientAddress: '10.0.0.7',
        operation: 'find',
        subject: null,
      };
      expect((await store.accessHistory({ resource, first: 1 })).rows).toEqual([expected]);
      expect((await store.accessHistory({ principal: 'svc-test', first: 1 })).rows).toEqual([
        expected,
      ]);
      expect((await store.accessHistory({ subject: s, first: 1 })).rows).toEqual([
        { ...expected, subject: s },
      ]);
    });

    it('pages through every row exactly once, whatever the page size and filters', async () => {
      const eventArb = fc.record({
        day: fc.integer({ min: 1, max: 28 }),
        hour: fc.integer({ min: 0, max: 2 }),
        action: fc.constantFrom(...AccessActions),
        decision: fc.constantFrom(...AccessDecisions),
      });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(eventArb, { maxLength: 40 }),
          fc.integer({ min: 1, max: 7 }),
          fc.option(fc.constantFrom(...AccessActions), { nil: undefined }),
          fc.option(fc.constantFrom(...AccessDecisions), { nil: undefined }),
          fc.option(fc.integer({ min: 1, max: 28 }), { nil: undefined }),
          async (specs, first, action, decision, fromDay) => {
            run += 1;
            const res = `${resource}-${run}`;
            const positions = await feed(
              specs.map((x) =>
                accessEvent(
                  { resource: res, action: x.action, decision: x.decision },
                  { occurredAt: day(x.day, x.hour) },
                ),
              ),
            );
            const from = fromDay === undefined ? undefined : day(fromDay);
            const to = fromDay === undefined ? undefined : day(fromDay + 5);
            const q = {
              resource: res,
              first,
              ...(action && { action }),
              ...(decision && { decision }),
              ...(from && to && { from, to }),
            };
            const got = await allPages(store, q);
            const expected = specs
              .map((x, i) => ({ ...x, position: positions[i]!, time: day(x.day, x.hour) }))
              .filter(
                (x) => (!action || x.action === action) && (!decision || x.decision === decision),
              )
              .filter((x) => !from || !to || (x.time >= from && x.time < to))
              .sort((a, b) => b.time.localeCompare(a.time) || b.position - a.position)
              .map((x) => x.position);
            expect(got.map((r) => r.position)).toEqual(expected);
          },
        ),
        { numRuns: options.numRuns ?? 60 },
      );
    });

    it('pages with an opaque cursor on the last row (time, position)', async () => {
      await feed([
        accessEvent({}, { occurredAt: day(5, 1) }),
        accessEvent({}, { occurredAt: day(5, 1) }),
        accessEvent({}, { occurredAt: day(9) }),
      ]);
      const page = await store.accessHistory({ resource, first: 2 });
      expect(page.rows.map((r) => r.position)).toEqual([2, 1]);
      expect(page.hasNextPage).toBe(true);
      expect(decodeAccessCursor(page.endCursor!)).toEqual({
        timeMs: Date.parse(day(5, 1)),
        position: 1,
      });
      const next = await store.accessHistory({ resource, first: 2, after: page.endCursor! });
      expect(next.rows.map((r) => r.position)).toEqual([0]);
      expect(next.hasNextPage).toBe(false);
    });

    it('finds rows far apart in time, and none outside [from, to)', async () => {
      await feed([
        accessEvent({}, { occurredAt: '2025-07-01T00:00:00.000Z' }),
        accessEvent({}, { occurredAt: '2026-06-01T00:00:00.000Z' }),
        accessEvent({}, { occurredAt: '2026-06-29T23:59:59.999Z' }),
      ]);
      const positions = async (q: Partial<AccessHistoryQuery>) =>
        (await allPages(store, { resource, first: 1, ...q } as AccessHistoryQuery)).map(
          (r) => r.position,
        );
      expect(await positions({})).toEqual([2, 1, 0]);
      expect(
        await positions({ from: '2026-06-01T00:00:00.000Z', to: '2026-06-29T23:59:59.999Z' }),
      ).toEqual([1]);
      expect(await positions({ to: '2026-06-01T00:00:00.001Z' })).toEqual([1, 0]);
      expect(await positions({ from: '2026-06-01T00:00:00.001Z' })).toEqual([2]);
    });

    it('returns an empty last page with no cursor', async () => {
      await feed([accessEvent()]);
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
      await expect(store.accessHistory({ first: 1 } as AccessHistoryQuery)).rejects.toThrow(
        RangeError,
      );
      await expect(
        store.accessHistory({
          resource,
          principal: 'a',
          first: 1,
        } as unknown as AccessHistoryQuery),
      ).rejects.toThrow(/exactly one/);
      await expect(store.accessHistory({ resource, first: 1, after: 'bm9wZQ' })).rejects.toThrow(
        /cursor/,
      );
      await expect(store.accessHistory({ resource, first: -1 })).rejects.toThrow(/first/);
      await expect(store.accessHistory({ resource, first: 1, from: 'yesterday' })).rejects.toThrow(
        /from/,
      );
    });

    it('hides rows past retention, per resource or by default, and keeps them hidden after a purge', async () => {
      const other = 'mongodb://crm/customers';
      await feed([
        recorded('RetentionPolicySet', {
          resource: '*',
          scope: 'access-history',
          retentionDays: 30,
        }),
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
      await store.purgeExpired(accessContractNow);
      expect(await visible()).toEqual([3, 4]);
      expect(await store.purgeExpired(accessContractNow)).toBe(0);
    });

    it("keeps gouvernail's own access records (the self-audit) out of the default policy", async () => {
      const own = 'gouvernail://graphql';
      await feed([
        accessEvent({ resource: own }, { occurredAt: '2026-05-01T00:00:00Z' }),
        accessEvent({}, { occurredAt: '2026-05-01T00:00:00Z' }),
        recorded('RetentionPolicySet', {
          resource: '*',
          scope: 'access-history',
          retentionDays: 1,
        }),
      ]);
      const visible = async () =>
        (await store.accessHistory({ principal: 'alice', first: 10 })).rows.map((r) => r.position);
      expect(await visible()).toEqual([0]);
      expect(await store.purgeExpired(accessContractNow)).toBeGreaterThan(0);
      expect(await store.purgeExpired(accessContractNow)).toBe(0);
      expect(await visible()).toEqual([0]);
      // A policy of their own still applies.
      await feed([
        recorded('RetentionPolicySet', {
          resource: own,
          scope: 'access-history',
          retentionDays: 30,
        }),
      ]);
      expect(await visible()).toEqual([]);
    });

    it('applies a retention policy set after the rows: hidden at once, deleted by a purge', async () => {
      const s = subjectId('gina');
      await feed([
        accessEvent({}, { occurredAt: '2026-05-01T00:00:00Z', subjects: [s] }),
        accessEvent({}, { occurredAt: '2026-06-15T00:00:00Z' }),
        recorded('RetentionPolicySet', {
          resource: '*',
          scope: 'access-history',
          retentionDays: 30,
        }),
      ]);
      expect(
        (await store.accessHistory({ resource, first: 10 })).rows.map((r) => r.position),
      ).toEqual([1]);
      expect((await store.accessHistory({ subject: s, first: 10 })).rows).toEqual([]);
      expect(await store.purgeExpired(accessContractNow)).toBe(3);
      expect(await store.purgeExpired(accessContractNow)).toBe(0);
      expect((await store.accessHistory({ principal: 'alice', first: 10 })).rows).toHaveLength(1);
    });

    it("purges a subject's rows from the by-subject index only", async () => {
      const s = subjectId('dave');
      await feed([
        accessEvent({}, { subjects: [s] }),
        accessEvent({}, { subjects: [s, subjectId('erin')] }),
      ]);
      expect(await store.purgeSubject(s, `case-${randomUUID()}`)).toBe(2);
      expect((await store.accessHistory({ subject: s, first: 10 })).rows).toEqual([]);
      expect((await store.accessHistory({ resource, first: 10 })).rows).toHaveLength(2);
      expect(
        (await store.accessHistory({ subject: subjectId('erin'), first: 10 })).rows,
      ).toHaveLength(1);
      expect(await store.purgeSubject(s, `case-${randomUUID()}`)).toBe(0);
    });

    it('counts, on every purge by the same erasure case, each row that case deleted once', async () => {
      const s = subjectId('dora');
      const caseId = `case-${randomUUID()}`;
      const events = [
        accessEvent({}, { subjects: [s], occurredAt: day(3) }),
        accessEvent({}, { subjects: [s], occurredAt: day(4) }),
      ];
      await feed(events);
      expect(await store.purgeSubject(s, caseId)).toBe(2);
      // Run again, as after a crash before the count was recorded: the rows are gone, yet deleted.
      expect(await store.purgeSubject(s, caseId)).toBe(2);
      await feed([accessEvent({}, { subjects: [s], occurredAt: day(5) })]);
      expect(await store.purgeSubject(s, caseId)).toBe(3);
      // A replay brings the rows back; deleting them again does not count them twice.
      await store.reset();
      for (const [position, e] of events.entries())
        await store.apply(accessHistoryChanges(e, position), position);
      expect(await store.purgeSubject(s, caseId)).toBe(3);
      expect((await store.accessHistory({ subject: s, first: 10 })).rows).toEqual([]);
      expect(await store.purgeSubject(s, `case-${randomUUID()}`)).toBe(0);
    });

    it('erases a subject when its key is destroyed', async () => {
      const s = subjectId('hank');
      await feed([
        accessEvent({}, { subjects: [s], occurredAt: day(3) }),
        accessEvent({}, { subjects: [s], occurredAt: day(4) }),
        recorded('SubjectKeyDestroyed', { subject: s, keyIds: ['key-1'] }),
      ]);
      expect((await store.accessHistory({ subject: s, first: 10 })).rows).toEqual([]);
      expect((await store.accessHistory({ resource, first: 10 })).rows).toHaveLength(2);
    });

    it('ignores a batch at or below its checkpoint, and resets to nothing', async () => {
      await feed([accessEvent()]);
      await store.apply(accessHistoryChanges(accessEvent(), 0), 0);
      expect(await store.checkpoint()).toBe(0);
      expect((await store.accessHistory({ resource, first: 10 })).rows).toHaveLength(1);
      await store.reset();
      expect(await store.checkpoint()).toBe(-1);
      expect((await store.accessHistory({ resource, first: 10 })).rows).toEqual([]);
    });

    it('only moves its checkpoint forward', async () => {
      expect(await store.checkpoint()).toBe(-1);
      await store.apply(accessHistoryChanges(accessEvent({}, { occurredAt: day(2) }), 5), 5);
      await store.apply(accessHistoryChanges(accessEvent({}, { occurredAt: day(3) }), 3), 3);
      expect(await store.checkpoint()).toBe(5);
      expect(
        (await store.accessHistory({ resource, first: 10 })).rows.map((r) => r.position),
      ).toEqual([5]);
    });

    it('writes each row once, however often a change is applied (replay after a crash)', async () => {
      const s = subjectId('ivan');
      const changes = accessHistoryChanges(accessEvent({}, { subjects: [s] }), 7);
      await store.apply([...changes, ...changes], 7);
      await store.apply([...changes], 8);
      for (const q of [{ resource }, { principal: 'alice' }, { subject: s }]) {
        expect((await store.accessHistory({ ...q, first: 10 })).rows).toHaveLength(1);
      }
      expect(await store.checkpoint()).toBe(8);
    });
  });
};
