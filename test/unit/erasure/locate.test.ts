import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { accessHistory } from '../../../projections/access/evolve.js';
import { createSqliteAccessStore } from '../../../projections/access/sqlite/store.js';
import { erasureCases } from '../../../projections/erasure/evolve.js';
import { createSqliteErasureStore } from '../../../projections/erasure/sqlite/store.js';
import { lineageGraph } from '../../../projections/lineage/evolve.js';
import { createSqliteLineageStore } from '../../../projections/lineage/sqlite/store.js';
import { datasetTarget, locateSubjectData, systemOf } from '../../../src/erasure/locate.js';
import { sparkTableEvents, sparkTableName } from '../../support/contracts/symlinks.js';
import { datasetClassified, lineageRunEvent, recorded } from '../../support/events.js';
import { producer, schemaURL, uuidOf } from '../lineage/support.js';
import { subject } from './fixtures.js';

const ds = (namespace: string, name: string) => ({ namespace, name });
const run = (
  n: number,
  job: string,
  inputs: { namespace: string; name: string }[],
  outputs: { namespace: string; name: string }[],
) =>
  lineageRunEvent({
    eventType: 'COMPLETE',
    eventTime: `2026-01-01T00:0${n}:00.000Z`,
    producer,
    schemaURL,
    run: { runId: uuidOf(n) },
    job: { namespace: 'spark', name: job },
    inputs,
    outputs,
  });

const access = (resource: string, action: 'read' | 'write' = 'read', subjects = [subject]) =>
  recorded(
    'AccessRecorded',
    { principal: 'User:etl', resource, action, decision: 'allowed', mechanism: 'kafka-acl' },
    { subjects, occurredAt: '2026-01-02T00:00:00.000Z' },
  );

/**
 * raw (upstream only, untagged) → ingest → orders (PII-tagged column) → clean → s3 orders_clean →
 * report → streamlit dashboard; unrelated: an untagged topic nobody linked to the subject.
 */
const setup = async (events: AuditEvent[]) => {
  const db = new Database(':memory:');
  const lineage = createSqliteLineageStore({ db });
  const accessStore = createSqliteAccessStore({
    db,
    now: () => new Date('2026-01-03T00:00:00.000Z'),
  });
  const erasure = createSqliteErasureStore({ db });
  for (const [position, e] of events.entries()) {
    await lineage.apply(lineageGraph.changesFor(e, position), position);
    await accessStore.apply(accessHistory.changesFor(e, position), position);
    await erasure.apply(erasureCases.changesFor(e, position), position);
  }
  return locateSubjectData({
    subject,
    access: accessStore,
    lineage,
    classifications: await erasure.classifiedDatasets(),
  });
};

const graph = [
  run(1, 'ingest', [ds('kafka://prod', 'raw')], [ds('kafka://prod', 'orders')]),
  run(2, 'clean', [ds('kafka://prod', 'orders')], [ds('s3://lake', 'orders_clean')]),
  run(3, 'report', [ds('s3://lake', 'orders_clean')], [ds('streamlit://bi', 'sales')]),
  run(4, 'other', [ds('kafka://prod', 'clicks')], [ds('cassandra://ks', 'clicks_by_day')]),
  datasetClassified(ds('kafka://prod', 'orders'), ['pii.email'], 'email'),
];

describe('locateSubjectData', () => {
  it('issues a task for every PII-tagged dataset and everything downstream of it, and none for upstream-only ones', async () => {
    const tasks = await setup(graph);
    const external = tasks.filter((t) => t.executor === 'external');
    expect(external.map((t) => [t.target, t.system])).toEqual([
      ['kafka://prod/orders', 'kafka'],
      ['s3://lake/orders_clean', 'spark'],
      ['streamlit://bi/sales', 'streamlit'],
    ]);
    expect(external[0]!.reason).toMatch(/PII-tagged: pii\.email \(columns email\)/);
    expect(external[2]!.reason).toMatch(
      /downstream of PII-tagged kafka:\/\/prod\/orders \(2 hops\)/,
    );
  });

  it('finds a Spark table and its copies from PII classified under its table name, before or after Spark named it', async () => {
    const classified = datasetClassified(sparkTableName, ['pii:email'], 'email');
    for (const events of [
      [...sparkTableEvents(), classified],
      [classified, ...sparkTableEvents()],
    ]) {
      const external = (await setup(events)).filter((t) => t.executor === 'external');
      expect(external.map((t) => t.target)).toEqual([
        'file://lake/from_tbl',
        'file://lake/warehouse/cust_tbl',
        'file:/lake/warehouse://default.cust_tbl',
      ]);
      expect(external[1]!.reason).toBe(
        'PII-tagged under its other name file:/lake/warehouse://default.cust_tbl',
      );
    }
  });

  it('targets both of two datasets that give each other’s name as a symlink, whichever is classified', async () => {
    const a = ds('s3://lake', 'a');
    const b = ds('s3://lake', 'b');
    const named = (n: number, d: typeof a, other: typeof a) =>
      lineageRunEvent({
        eventTime: `2026-01-01T00:0${n}:00.000Z`,
        producer,
        schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent',
        dataset: {
          ...d,
          facets: {
            symlinks: {
              _producer: producer,
              _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/SymlinksDatasetFacet.json',
              identifiers: [{ ...other, type: 'TABLE' }],
            },
          },
        },
      });
    for (const tagged of [a, b]) {
      const tasks = await setup([
        named(1, a, b),
        named(2, b, a),
        run(3, 'copy', [b], [ds('s3://lake', 'copy')]),
        datasetClassified(tagged, ['pii']),
      ]);
      expect(tasks.filter((t) => t.executor === 'external').map((t) => t.target)).toEqual([
        's3://lake/a',
        's3://lake/b',
        's3://lake/copy',
      ]);
    }
  });

  it("adds every resource of the subject's access history, except gouvernail's own", async () => {
    const tasks = await setup([
      ...graph,
      access('mongodb://crm/people'),
      access('kafka://prod/orders', 'write'),
      access('gouvernail://graphql'),
      access('cassandra://ks/other', 'read', ['subj_BBBBBBBBBBBBBBBBBBBB']),
    ]);
    const byTarget = new Map(tasks.map((t) => [t.target, t]));
    expect(byTarget.get('mongodb://crm/people')).toMatchObject({
      system: 'mongodb',
      executor: 'external',
    });
    expect(byTarget.get('kafka://prod/orders')?.reason).toMatch(
      /PII-tagged.*; in the subject's access history \(write, allowed\)/,
    );
    expect(byTarget.has('gouvernail://graphql')).toBe(false);
    expect(byTarget.has('cassandra://ks/other')).toBe(false);
  });

  it("always ends with gouvernail's built-in tasks, and gives the same task ids when run again", async () => {
    const first = await setup(graph);
    expect(first.slice(-3).map((t) => [t.taskId, t.executor])).toEqual([
      ['gouvernail:read-models', 'builtin'],
      ['gouvernail:sealed-ciphertext', 'builtin'],
      ['gouvernail:subject-keys', 'builtin'],
    ]);
    expect((await setup(graph)).map((t) => t.taskId)).toEqual(first.map((t) => t.taskId));
  });

  it('issues only the built-in tasks when nothing is tagged or linked to the subject', async () => {
    expect(
      (
        await setup([run(1, 'ingest', [ds('kafka://prod', 'raw')], [ds('kafka://prod', 'orders')])])
      ).map((t) => t.executor),
    ).toEqual(['builtin', 'builtin', 'builtin']);
  });

  it('names targets and systems from OpenLineage namespaces', () => {
    expect(datasetTarget(ds('s3://lake/', '/orders'))).toBe('s3://lake/orders');
    expect(datasetTarget(ds('file', '/data/x.parquet'))).toBe('file://data/x.parquet');
    expect(
      [
        'mongodb+srv://c/db/coll',
        'cassandra://ks/t',
        'abfss://c@a/p',
        'hdfs://nn/p',
        'postgresql://h/db.t',
        'weird',
      ].map(systemOf),
    ).toEqual(['mongodb', 'cassandra', 'spark', 'spark', 'postgres', 'unknown']);
  });
});
