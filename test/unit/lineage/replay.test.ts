import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { lineageGraph } from '../../../projections/lineage/evolve.js';
import { createSqliteLineageStore } from '../../../projections/lineage/sqlite/store.js';
import { lineageTables } from '../../../projections/lineage/sqlite/schema.js';
import { datasetClassified, lineageRunEvent, recorded } from '../../support/events.js';
import { fixture, minute, runEvent } from './support.js';

const open = () => {
  const db = new Database(':memory:');
  return { db, store: createSqliteLineageStore({ db }) };
};

const dump = (db: Database.Database) =>
  Object.fromEntries(
    lineageTables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all()]),
  );

const allEvents = (): AuditEvent[] => [
  lineageRunEvent(fixture('run-start.json')),
  lineageRunEvent(fixture('run-complete.json')),
  lineageRunEvent(fixture('dataset-event.json')),
  lineageRunEvent(fixture('job-event.json')),
  datasetClassified(
    { namespace: 'postgres://food-delivery-db:5432', name: 'public.delivery_7_days' },
    ['pii'],
  ),
  recorded('ConfigChanged', { component: 'kafka', target: 'acl', before: null, after: 1 }),
];

const changesOf = (events: readonly AuditEvent[]) =>
  events.flatMap((e, i) => lineageGraph.changesFor(e, i));

describe('lineage store replay', () => {
  it('applies a batch and its checkpoint together; the same batch again, or a lower position, changes nothing', async () => {
    const { db, store } = open();
    expect(await store.checkpoint()).toBe(-1);
    const changes = changesOf(allEvents());
    await store.apply(changes, 5);
    const once = dump(db);
    expect(await store.checkpoint()).toBe(5);
    await store.apply(changes, 5);
    await store.apply(changes, 3);
    await store.apply(
      changesOf([lineageRunEvent(runEvent({ run: 9, job: 'late', at: minute(1), inputs: ['x'] }))]),
      4,
    );
    expect(dump(db)).toEqual(once);
    expect(await store.checkpoint()).toBe(5);
  });

  it('leaves other projections’ checkpoints alone', async () => {
    const { db, store } = open();
    db.prepare('INSERT INTO projection_checkpoints (name, position) VALUES (?, ?)').run(
      'accessHistory',
      42,
    );
    await store.apply(changesOf(allEvents()), 5);
    await store.reset();
    expect(
      db.prepare('SELECT position FROM projection_checkpoints WHERE name = ?').get('accessHistory'),
    ).toEqual({ position: 42 });
  });

  it('rolls back a failing batch with its checkpoint', async () => {
    const { db, store } = open();
    await store.apply(changesOf(allEvents().slice(0, 1)), 0);
    const before = dump(db);
    const bad = [
      ...changesOf(allEvents().slice(1)),
      { kind: 'datasetSeen', dataset: { namespace: 'x', name: null }, at: minute(1) },
    ];
    await expect(store.apply(bad as never, 7)).rejects.toThrow();
    expect(dump(db)).toEqual(before);
    expect(await store.checkpoint()).toBe(0);
  });
});
