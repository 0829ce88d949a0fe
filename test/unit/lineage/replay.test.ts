import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { lineageGraph } from '../../../projections/lineage/evolve.js';
import { createSqliteLineageStore } from '../../../projections/lineage/sqlite/store.js';
import { lineageTables } from '../../../projections/lineage/sqlite/schema.js';
import { datasetClassified, lineageRunEvent, recorded } from '../../support/events.js';
import { fixture, minute, runEvent, uuidOf } from './support.js';

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

  it('rebuilds the same read model after a reset, in one batch or event by event', async () => {
    const { db, store } = open();
    for (const [i, e] of allEvents().entries()) await store.apply(lineageGraph.changesFor(e, i), i);
    const stepwise = dump(db);
    await store.reset();
    expect(await store.checkpoint()).toBe(-1);
    expect(Object.values(dump(db)).every((rows) => rows.length === 0)).toBe(true);
    await store.apply(changesOf(allEvents()), 5);
    expect(dump(db)).toEqual(stepwise);
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

  it('gives the same graph, first-seen times and run states whatever order the events arrive in', async () => {
    const runs = fc.array(
      fc.record({
        run: fc.nat(4),
        job: fc.nat(2),
        at: fc.nat(6),
        eventType: fc.constantFrom('START', 'RUNNING', 'COMPLETE', 'FAIL', 'ABORT', 'OTHER'),
        inputs: fc.uniqueArray(fc.nat(4), { maxLength: 2 }),
        outputs: fc.uniqueArray(fc.nat(4), { maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 12 },
    );
    await fc.assert(
      fc.asyncProperty(
        runs.chain((rs) =>
          fc.tuple(
            fc.constant(rs),
            fc.shuffledSubarray(rs, { minLength: rs.length, maxLength: rs.length }),
          ),
        ),
        async ([inOrder, shuffled]) => {
          const view = async (rs: typeof inOrder) => {
            const { store } = open();
            const events = rs.map((r) =>
              lineageRunEvent(
                runEvent({
                  run: r.run,
                  job: `j${r.job % 3}`,
                  at: minute(r.at),
                  eventType: r.eventType,
                  inputs: r.inputs.map((d) => `d${d}`),
                  outputs: r.outputs.map((d) => `d${d}`),
                }),
              ),
            );
            for (const [i, e] of events.entries())
              await store.apply(lineageGraph.changesFor(e, i), i);
            const lineage = await Promise.all(
              [0, 1, 2, 3, 4].map((d) =>
                store.lineage({
                  node: { kind: 'dataset', namespace: 'warehouse', name: `d${d}` },
                  direction: 'BOTH',
                  depth: 3,
                }),
              ),
            );
            const sort = (xs: readonly unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
            const runViews = await Promise.all([0, 1, 2, 3, 4].map((r) => store.run(uuidOf(r))));
            return {
              lineage: lineage.map((g) => ({ nodes: sort(g.nodes), edges: sort(g.edges) })),
              runs: runViews.map(
                (r) =>
                  r && {
                    state: r.state,
                    startedAt: r.startedAt,
                    endedAt: r.endedAt,
                    firstSeenAt: r.firstSeenAt,
                    lastSeenAt: r.lastSeenAt,
                  },
              ),
            };
          };
          expect(await view(shuffled)).toEqual(await view(inOrder));
        },
      ),
      { numRuns: 100 },
    );
  });
});
