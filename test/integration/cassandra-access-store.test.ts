import { randomUUID } from 'node:crypto';
import { Client } from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessHistoryChanges } from '../../projections/access/evolve.js';
import {
  createCassandraAccessStore,
  type CassandraAccessStore,
} from '../../projections/access/cassandra/store.js';
import { recorded, subjectId } from '../support/events.js';
import { createHarness, rerunAfterCrashInAccessPurge } from '../unit/erasure/harness.js';
import { accessEvent, accessStoreContract } from '../support/contracts/access-store.js';
import {
  crashSwitch,
  crashingClient,
  expectInterruptedResetsRecover,
} from '../support/interrupted-reset.js';

const contactPoint = process.env.GOUVERNAIL_TEST_CASSANDRA_CONTACT ?? '127.0.0.1:9042';
const keyspace = `gv_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const client = new Client({
  contactPoints: [contactPoint],
  localDataCenter: process.env.GOUVERNAIL_TEST_CASSANDRA_DC ?? 'datacenter1',
  socketOptions: { connectTimeout: 5000, readTimeout: 30_000 },
});

let shared: CassandraAccessStore | undefined;
let clock: () => Date = () => new Date();

beforeAll(async () => {
  try {
    await client.connect();
    await client.execute('SELECT release_version FROM system.local');
  } catch (cause) {
    throw new Error(
      `Cassandra is not reachable at ${contactPoint} (set GOUVERNAIL_TEST_CASSANDRA_CONTACT or run ` +
        '`bash scripts/services/up.sh cassandra`)',
      { cause },
    );
  }
}, 60_000);

afterAll(async () => {
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
  await client.shutdown();
}, 60_000);

accessStoreContract(
  'cassandra',
  async ({ now }) => {
    clock = now;
    shared ??= createCassandraAccessStore({ client, keyspace, now: () => clock() });
    await shared.reset();
    return { store: shared, cleanup: () => Promise.resolve() };
  },
  { numRuns: 40 },
);

describe('cassandra access history (adapter)', () => {
  const resource = 'kafka://main/orders';
  const count = async (table: string, key: string, day: string): Promise<number> => {
    const rs = await client.execute(
      `SELECT position FROM ${keyspace}.${table} WHERE ${table.slice('access_by_'.length)} = ? AND day = ?`,
      [key, day],
      { prepare: true },
    );
    return rs.rowLength;
  };

  it('creates its keyspace and tables on start, and again harmlessly', async () => {
    const store = createCassandraAccessStore({ client, keyspace });
    await store.ensureSchema();
    await store.ensureSchema();
    const tables = await client.execute(
      'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
      [keyspace],
    );
    expect(tables.rows.map((r) => r.get('table_name') as string).sort()).toEqual([
      'access_by_principal',
      'access_by_resource',
      'access_by_subject',
      'access_days',
      'access_erased_rows',
      'access_retention',
      'projection_checkpoints',
    ]);
  });

  it('expires rows by TTL when their retention period runs out', async () => {
    const occurredAt = '2026-03-10T09:00:00.000Z';
    // One day of retention, and a clock 3 s before it runs out: the rows get a TTL of 3 s.
    const writtenAt = new Date(Date.parse(occurredAt) + 86_400_000 - 3_000);
    const store = createCassandraAccessStore({ client, keyspace, now: () => writtenAt });
    await store.reset();
    const s = subjectId('ttl');
    const events = [
      recorded('RetentionPolicySet', { resource: '*', scope: 'access-history', retentionDays: 1 }),
      accessEvent({}, { occurredAt, subjects: [s] }),
    ];
    for (const [position, e] of events.entries()) {
      await store.apply(accessHistoryChanges(e, position), position);
    }
    const ttl = await client.execute(
      `SELECT TTL(event_id) AS t FROM ${keyspace}.access_by_resource WHERE resource = ? AND day = ?`,
      [resource, '2026-03-10'],
      { prepare: true },
    );
    expect(ttl.rows[0]?.get('t')).toBeGreaterThan(0);
    expect(ttl.rows[0]?.get('t')).toBeLessThanOrEqual(3);
    expect((await store.accessHistory({ resource, first: 10 })).rows).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(await count('access_by_resource', resource, '2026-03-10')).toBe(0);
    expect(await count('access_by_principal', 'alice', '2026-03-10')).toBe(0);
    expect(await count('access_by_subject', s, '2026-03-10')).toBe(0);
    expect((await store.accessHistory({ resource, first: 10 })).rows).toEqual([]);
  });

  it('keeps rows for the longer period when a policy is lengthened after they were written', async () => {
    const occurredAt = '2026-04-10T09:00:00.000Z';
    // Written 3 s before one day of retention runs out (a TTL of 3 s), then the policy becomes 30 days.
    const writtenAt = new Date(Date.parse(occurredAt) + 86_400_000 - 3_000);
    const store = createCassandraAccessStore({ client, keyspace, now: () => writtenAt });
    await store.reset();
    const s = subjectId('longer');
    const events = [
      recorded('RetentionPolicySet', { resource, scope: 'access-history', retentionDays: 1 }),
      accessEvent({}, { occurredAt, subjects: [s] }),
      accessEvent({ resource: 'kafka://main/other' }, { occurredAt }),
      recorded('RetentionPolicySet', { resource, scope: 'access-history', retentionDays: 30 }),
    ];
    for (const [position, e] of events.entries()) {
      await store.apply(accessHistoryChanges(e, position), position);
    }
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(await count('access_by_resource', resource, '2026-04-10')).toBe(1);
    expect(await count('access_by_principal', 'alice', '2026-04-10')).toBe(2);
    expect(await count('access_by_subject', s, '2026-04-10')).toBe(1);
    expect((await store.accessHistory({ resource, first: 10 })).rows).toHaveLength(1);
    const ttl = await client.execute(
      `SELECT TTL(event_id) AS t FROM ${keyspace}.access_by_resource WHERE resource = ? AND day = ?`,
      [resource, '2026-04-10'],
      { prepare: true },
    );
    expect(ttl.rows[0]?.get('t')).toBeGreaterThan(29 * 86_400 - 60);
  });

  it('still lengthens the rows when the batch is retried after a write failed part-way', async () => {
    const occurredAt = '2026-05-10T09:00:00.000Z';
    const writtenAt = new Date(Date.parse(occurredAt) + 86_400_000 - 60_000);
    let failNextRowWrite = false;
    // The real server, with one row write refused the way a timeout would refuse it.
    const flaky = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== 'execute') return Reflect.get(target, prop, receiver) as unknown;
        return (query: string, ...rest: unknown[]) => {
          if (failNextRowWrite && /^\s*INSERT INTO \S+\.access_by_/.test(query)) {
            failNextRowWrite = false;
            return Promise.reject(new Error('write timeout'));
          }
          return (target.execute as (...args: unknown[]) => unknown).call(target, query, ...rest);
        };
      },
    });
    const store = createCassandraAccessStore({ client: flaky, keyspace, now: () => writtenAt });
    await store.reset();
    const events = [
      recorded('RetentionPolicySet', { resource, scope: 'access-history', retentionDays: 1 }),
      accessEvent({}, { occurredAt }),
      recorded('RetentionPolicySet', { resource, scope: 'access-history', retentionDays: 30 }),
    ];
    for (const [position, e] of events.slice(0, 2).entries())
      await store.apply(accessHistoryChanges(e, position), position);
    failNextRowWrite = true;
    await expect(store.apply(accessHistoryChanges(events[2]!, 2), 2)).rejects.toThrow('timeout');
    // The projection runner applies the batch again from its checkpoint.
    await store.apply(accessHistoryChanges(events[2]!, 2), 2);
    const ttl = await client.execute(
      `SELECT TTL(event_id) AS t FROM ${keyspace}.access_by_resource WHERE resource = ? AND day = ?`,
      [resource, '2026-05-10'],
      { prepare: true },
    );
    expect(ttl.rows[0]?.get('t')).toBeGreaterThan(29 * 86_400 - 120);
  });

  it('counts every row an erasure case deleted when its purge is run again after failing part-way', async () => {
    let deletesLeft = 1;
    // The real server; the process dies after deleting the first of the subject's partitions.
    const dying = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== 'execute') return Reflect.get(target, prop, receiver) as unknown;
        return (query: string, ...rest: unknown[]) => {
          if (/^\s*DELETE FROM \S+\.access_by_subject /.test(query) && deletesLeft-- <= 0)
            return Promise.reject(new Error('killed'));
          return (target.execute as (...args: unknown[]) => unknown).call(target, query, ...rest);
        };
      },
    });
    const store = createCassandraAccessStore({ client: dying, keyspace, concurrencyLevel: 1 });
    await store.reset();
    const s = subjectId('partway');
    const events = [
      accessEvent({}, { occurredAt: '2026-06-03T10:00:00.000Z', subjects: [s] }),
      accessEvent({}, { occurredAt: '2026-06-03T11:00:00.000Z', subjects: [s] }),
      accessEvent({}, { occurredAt: '2026-06-04T10:00:00.000Z', subjects: [s] }),
    ];
    for (const [position, e] of events.entries())
      await store.apply(accessHistoryChanges(e, position), position);
    const caseId = `case-${randomUUID()}`;
    await expect(store.purgeSubject(s, caseId)).rejects.toThrow('killed');
    const left = (await store.accessHistory({ subject: s, first: 10 })).rows.length;
    expect([1, 2]).toContain(left);

    deletesLeft = Infinity;
    expect(await store.purgeSubject(s, caseId)).toBe(3);
    expect(await store.purgeSubject(s, caseId)).toBe(3);
    expect((await store.accessHistory({ subject: s, first: 10 })).rows).toEqual([]);
  });

  it('counts every row of a subject with more accesses than one page of notes', async () => {
    const store = createCassandraAccessStore({ client, keyspace });
    await store.reset();
    const s = subjectId('busy');
    const changes = Array.from({ length: 2345 }, (_, position) =>
      accessHistoryChanges(
        accessEvent(
          {},
          {
            occurredAt: new Date(
              Date.UTC(2026, 5, 3 + (position % 2), 0, 0, position),
            ).toISOString(),
            subjects: [s],
          },
        ),
        position,
      ),
    ).flat();
    await store.apply(changes, 2344);
    expect(await store.purgeSubject(s, `case-${randomUUID()}`)).toBe(2345);
    expect((await store.accessHistory({ subject: s, first: 10 })).rows).toEqual([]);
  });

  it('does not write a row already past its retention period', async () => {
    const store = createCassandraAccessStore({
      client,
      keyspace,
      now: () => new Date('2026-06-30T00:00:00Z'),
    });
    await store.reset();
    const events = [
      recorded('RetentionPolicySet', { resource, scope: 'access-history', retentionDays: 7 }),
      accessEvent({}, { occurredAt: '2026-06-01T00:00:00.000Z' }),
    ];
    for (const [position, e] of events.entries()) {
      await store.apply(accessHistoryChanges(e, position), position);
    }
    expect(await count('access_by_resource', resource, '2026-06-01')).toBe(0);
    expect(await store.checkpoint()).toBe(1);
  });

  it('returns a short page with a cursor when it reaches the day-scan bound', async () => {
    const store = createCassandraAccessStore({
      client,
      keyspace,
      now: () => new Date('2026-06-30T00:00:00Z'),
      maxDaysScanned: 2,
    });
    await store.reset();
    const days = ['2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04', '2026-06-05'];
    for (const [position, d] of days.entries()) {
      await store.apply(
        accessHistoryChanges(accessEvent({}, { occurredAt: `${d}T12:00:00.000Z` }), position),
        position,
      );
    }
    const denied = await store.accessHistory({ resource, first: 10, decision: 'denied' });
    expect(denied.rows).toEqual([]);
    expect(denied.hasNextPage).toBe(true);
    const seen: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.accessHistory({ resource, first: 10, ...(after ? { after } : {}) });
      seen.push(...page.rows.map((r) => r.position));
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    expect(seen).toEqual([4, 3, 2, 1, 0]);
  });
});

describe('cassandra access history replay', () => {
  it('a replay interrupted while resetting leaves the history whole or rebuilt from the start, never caught up and empty', async () => {
    const crash = crashSwitch();
    const store = createCassandraAccessStore({ client: crashingClient(client, crash), keyspace });
    const s = subjectId('interrupted');
    const events = [
      recorded('RetentionPolicySet', {
        resource: '*',
        scope: 'access-history',
        retentionDays: 3650,
      }),
      accessEvent({}, { occurredAt: '2026-06-01T10:00:00.000Z', subjects: [s] }),
      accessEvent({ principal: 'bob' }, { occurredAt: '2026-06-02T10:00:00.000Z' }),
    ];
    await expectInterruptedResetsRecover({
      store,
      crash,
      fill: async () => {
        for (const [position, e] of events.entries())
          await store.apply(accessHistoryChanges(e, position), position);
      },
      answer: async () => ({
        resource: await store.accessHistory({ resource: 'kafka://main/orders', first: 10 }),
        bob: await store.accessHistory({ principal: 'bob', first: 10 }),
        subject: await store.accessHistory({ subject: s, first: 10 }),
      }),
    });
  });
});

describe('erasure over the Cassandra access history', () => {
  it('counts the access rows the case deleted even when the process died before recording them', async () => {
    const access = createCassandraAccessStore({ client, keyspace });
    await access.reset();
    const h = createHarness({ access });
    try {
      const { rerun, certified } = await rerunAfterCrashInAccessPurge(h);
      const erased = { outcome: 'erased', counts: { accessRowsDeleted: 2 } };
      expect(rerun).toMatchObject(erased);
      expect(certified).toMatchObject(erased);
    } finally {
      await h.close();
    }
  });
});
