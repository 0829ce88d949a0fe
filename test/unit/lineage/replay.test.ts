import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { lineageGraph } from '../../../projections/lineage/evolve.js';
import { createSqliteLineageStore } from '../../../projections/lineage/sqlite/store.js';
import { moveLineageTables, lineageTables } from '../../../projections/lineage/sqlite/schema.js';
import { datasetClassified, lineageRunEvent, recorded } from '../../support/events.js';
import { fixture, minute, producer, runEvent, schemaURL, uuidOf } from './support.js';

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

/** A deterministic mix of run, dataset and job events over small pools, so rows recur often. */
const busyHistory = (seed: number, count: number): AuditEvent[] => {
  let x = seed;
  const random = (): number => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const datasets = ['raw.a', 'raw.b', 'stage.c', 'mart.d', 'mart.e'];
  const jobs = ['ingest', 'clean', 'report'];
  const types = ['START', 'RUNNING', 'COMPLETE', 'FAIL', 'ABORT', 'OTHER'];
  const facet = (body: object) => ({ _producer: producer, _schemaURL: schemaURL, ...body });
  const dataset = (name: string) => ({
    namespace: 'warehouse',
    name,
    facets: {
      ...(random() < 0.5
        ? {
            schema: facet({
              fields: [{ name: 'id' }, ...(random() < 0.5 ? [{ name: 'email' }] : [])],
            }),
          }
        : {}),
      ...(random() < 0.3
        ? { dataSource: facet({ name: pick(['pg', 'kafka']), uri: 'x://y' }) }
        : {}),
      ...(random() < 0.2
        ? {
            tags: facet({ tags: [{ key: 'pii', value: pick(['email', 'true']), field: 'email' }] }),
          }
        : {}),
    },
  });
  return Array.from({ length: count }, (_, i): AuditEvent => {
    const at = minute(Math.floor(random() * 20));
    const r = random();
    if (r < 0.08)
      return datasetClassified({ namespace: 'warehouse', name: pick(datasets) }, [
        pick(['pii', 'pii.email']),
      ]);
    if (r < 0.15)
      return lineageRunEvent({
        eventTime: at,
        producer,
        schemaURL,
        dataset: dataset(pick(datasets)),
      });
    const job = {
      namespace: 'scheduler',
      name: pick(jobs),
      facets: random() < 0.5 ? { owner: facet({ owner: pick(['ana', 'bo']) }) } : {},
    };
    const inputs = [dataset(pick(datasets)), dataset(pick(datasets))];
    const outputs = [pick(datasets)].map((name) => ({
      ...dataset(name),
      facets: {
        ...dataset(name).facets,
        columnLineage: facet({
          fields: {
            email: {
              inputFields: [
                {
                  namespace: 'warehouse',
                  name: inputs[0]!.name,
                  field: 'email',
                  transformations: [{ type: pick(['DIRECT', 'INDIRECT']), subtype: 'IDENTITY' }],
                },
              ],
            },
          },
        }),
      },
    }));
    if (r < 0.22)
      return lineageRunEvent({ eventTime: at, producer, schemaURL, job, inputs, outputs });
    return lineageRunEvent({
      eventType: pick(types),
      eventTime: at,
      producer,
      schemaURL,
      run: {
        runId: uuidOf(Math.floor(random() * 6)),
        facets: {
          attempt: facet({ n: i }),
          ...(random() < 0.3
            ? {
                parent: facet({
                  run: { runId: uuidOf(99) },
                  job: { namespace: 'scheduler', name: 'dag' },
                }),
              }
            : {}),
        },
      },
      job,
      inputs,
      outputs,
    });
  });
};

describe('lineage store batching', () => {
  it.each([1, 2, 3])(
    'writes the same read model from one batch as from one event at a time (history %i)',
    async (seed) => {
      const events = busyHistory(seed, 300);
      const alone = open();
      for (const [i, e] of events.entries())
        await alone.store.apply(lineageGraph.changesFor(e, i), i);
      const batched = open();
      await batched.store.apply(changesOf(events.slice(0, 120)), 119);
      await batched.store.apply(
        changesOf(events).slice(changesOf(events.slice(0, 120)).length),
        299,
      );
      expect(dump(batched.db)).toEqual(dump(alone.db));
    },
  );
});

describe('lineage tables moved out of read-models.sqlite', () => {
  it('are moved with their checkpoint into lineage.sqlite; the other checkpoints stay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gv-move-'));
    try {
      const { db: shared, store } = open();
      await store.apply(changesOf(allEvents()), 5);
      shared.prepare("INSERT INTO projection_checkpoints VALUES ('accessHistory', 9)").run();
      const before = dump(shared);
      const file = join(dir, 'lineage.sqlite');
      const target = new Database(file);
      const moved = createSqliteLineageStore({ db: target });

      expect(moveLineageTables(shared, file)).toBe(true);
      expect(dump(target)).toEqual(before);
      expect(await moved.checkpoint()).toBe(5);
      expect(
        shared
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'lineage_%'")
          .all(),
      ).toEqual([]);
      expect(shared.prepare('SELECT name FROM projection_checkpoints').all()).toEqual([
        { name: 'accessHistory' },
      ]);
      expect(moveLineageTables(shared, file)).toBe(false);
      target.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lineage.sqlite of an earlier build', () => {
  it('gets the columns added since, keeps its rows, and lets the next event’s facets win over ones of unknown time', async () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE lineage_datasets (id INTEGER PRIMARY KEY, namespace TEXT NOT NULL,
        name TEXT NOT NULL, first_seen TEXT, last_seen TEXT, data_source TEXT, UNIQUE (namespace, name));
      CREATE TABLE lineage_jobs (id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL,
        first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, facets TEXT NOT NULL, UNIQUE (namespace, name));
      INSERT INTO lineage_jobs VALUES (1, 'scheduler', 'etl', '${minute(5)}', '${minute(9)}', '{"owner":{"n":1}}');`);
    const store = createSqliteLineageStore({ db });
    createSqliteLineageStore({ db });
    const job = { namespace: 'scheduler', name: 'etl' };
    expect((await store.job(job))?.facets).toEqual({ owner: { n: 1 } });
    const e = runEvent({ run: 1, job: 'etl', at: minute(1), outputs: ['x'] });
    const owner = { _producer: producer, _schemaURL: schemaURL, n: 2 };
    await store.apply(
      changesOf([lineageRunEvent({ ...e, job: { ...(e.job as object), facets: { owner } } })]),
      0,
    );
    expect((await store.job(job))?.facets).toEqual({ owner });
  });
});
