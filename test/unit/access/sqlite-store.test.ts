import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { accessHistoryChanges } from '../../../projections/access/evolve.js';
import type { AccessHistoryStore } from '../../../projections/access/ports.js';
import { createSqliteAccessStore } from '../../../projections/access/sqlite/store.js';
import { recorded } from '../../support/events.js';
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
    broken.row.eventId = null;
    await expect(store.apply([...good, broken], 1)).rejects.toThrow();
    expect(await store.checkpoint()).toBe(-1);
    expect(db.prepare('SELECT count(*) AS n FROM access_rows').get()).toEqual({ n: 0 });
  });
});
