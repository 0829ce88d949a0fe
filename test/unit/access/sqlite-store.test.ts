import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { accessHistoryChanges } from '../../../projections/access/evolve.js';
import type { AccessHistoryStore } from '../../../projections/access/ports.js';
import { createSqliteAccessStore } from '../../../projections/access/sqlite/store.js';
import { recorded, subjectId } from '../../support/events.js';
import { accessStoreContract } from '../../support/contracts/access-store.js';
import { accessEvent } from './fixtures.js';

accessStoreContract('sqlite', ({ now }) =>
  Promise.resolve({
    store: createSqliteAccessStore({ db: new Database(':memory:'), now }),
    cleanup: () => Promise.resolve(),
  }),
);

const now = new Date('2026-06-30T12:00:00Z');

const storeWith = async (events: readonly AuditEvent[]): Promise<AccessHistoryStore> => {
  const store = createSqliteAccessStore({ db: new Database(':memory:'), now: () => now });
  for (const [position, e] of events.entries())
    await store.apply(accessHistoryChanges(e, position), position);
  return store;
};

describe('sqlite access history', () => {
  it('purges every row past retention, in every index', async () => {
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

  it('applies a batch and its checkpoint atomically', async () => {
    const db = new Database(':memory:');
    const store = createSqliteAccessStore({ db, now: () => now });
    const good = accessHistoryChanges(accessEvent(), 0);
    const broken = JSON.parse(JSON.stringify(good[0]));
    broken.row.position = 1;
    broken.row.eventId = null;
    await expect(store.apply([...good, broken], 1)).rejects.toThrow();
    expect(await store.checkpoint()).toBe(-1);
    expect(db.prepare('SELECT count(*) AS n FROM access_events').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM access_keys').get()).toEqual({ n: 0 });
  });

  it('writes one event row per access and one key row per lookup key', async () => {
    const db = new Database(':memory:');
    const store = createSqliteAccessStore({ db, now: () => now });
    const a = subjectId('hana');
    const b = subjectId('ivan');
    await store.apply(accessHistoryChanges(accessEvent({}, { subjects: [a, b] }), 0), 0);
    expect(db.prepare('SELECT count(*) AS n FROM access_events').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT idx, key FROM access_keys ORDER BY idx, key').all()).toEqual([
      { idx: 'principal', key: 'alice' },
      { idx: 'resource', key: 'kafka://main/orders' },
      ...[a, b].sort().map((key) => ({ idx: 'subject', key })),
    ]);
  });

  it('migrates a read model of the old wide layout in place, keeping its checkpoint and its erasures', async () => {
    const db = new Database(':memory:');
    // The layout of earlier builds: one wide row per lookup key.
    db.exec(`CREATE TABLE projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
      CREATE TABLE access_rows (idx TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL,
        day TEXT NOT NULL, time_ms INTEGER NOT NULL, occurred_at TEXT NOT NULL, event_id TEXT NOT NULL,
        principal TEXT NOT NULL, role TEXT, resource TEXT NOT NULL, action TEXT NOT NULL,
        decision TEXT NOT NULL, mechanism TEXT NOT NULL, client_address TEXT, operation TEXT,
        subject TEXT, PRIMARY KEY (idx, key, time_ms, position)) WITHOUT ROWID;
      CREATE INDEX access_rows_by_age ON access_rows (time_ms);`);
    const old = new Database(':memory:');
    const kept = subjectId('kim');
    const erased = subjectId('lou');
    // Written by this build's projection, then reshaped into old rows: same fields either way.
    const reference = createSqliteAccessStore({ db: old, now: () => now });
    const events = [
      accessEvent({}, { occurredAt: '2026-06-01T10:00:00Z', subjects: [kept] }),
      accessEvent({ action: 'write' }, { occurredAt: '2026-06-02T10:00:00Z', subjects: [erased] }),
    ];
    for (const [i, e] of events.entries())
      await reference.apply(accessHistoryChanges(e, i + 3), i + 3);
    await reference.purgeSubject(erased, 'case-1');
    const insert = db.prepare(`INSERT INTO access_rows VALUES
      (@idx, @key, @position, substr(@occurred_at, 1, 10), @time_ms, @occurred_at, @event_id, @principal,
       @role, @resource, @action, @decision, @mechanism, @client_address, @operation, @subject)`);
    for (const row of old
      .prepare(
        `SELECT k.idx, k.key, e.*, CASE WHEN k.idx = 'subject' THEN k.key END AS subject
        FROM access_keys k JOIN access_events e ON e.position = k.position`,
      )
      .all() as Record<string, unknown>[])
      insert.run(row);
    db.prepare("INSERT INTO projection_checkpoints VALUES ('accessHistory', 4)").run();

    const store = createSqliteAccessStore({ db, now: () => now });
    expect(await store.checkpoint()).toBe(4);
    expect(
      db.prepare("SELECT name FROM sqlite_master WHERE name = 'access_rows'").get(),
    ).toBeUndefined();
    for (const query of [
      { principal: 'alice', first: 5 },
      { resource: 'kafka://main/orders', first: 5 },
      { subject: kept, first: 5 },
      { subject: erased, first: 5 },
    ])
      expect(await store.accessHistory(query)).toEqual(await reference.accessHistory(query));
    expect((await store.accessHistory({ principal: 'alice', first: 5 })).rows).toHaveLength(2);
    expect((await store.accessHistory({ subject: erased, first: 5 })).rows).toEqual([]);
  });
});
