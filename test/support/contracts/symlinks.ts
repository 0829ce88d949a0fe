import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { lineageGraph } from '../../../projections/lineage/evolve.js';
import type { DatasetRef, LineageStore } from '../../../projections/lineage/ports.js';
import { fixture, producer, runEvent } from '../../unit/lineage/support.js';
import { datasetClassified, lineageRunEvent } from '../events.js';
import type { StoreFixture } from './access-store.js';

/** openlineage-spark 1.53 names a table by its storage path and gives its name as a symlink. */
export const sparkTable = { namespace: 'file', name: '/lake/warehouse/cust_tbl' };
export const sparkTableName = { namespace: 'file:/lake/warehouse', name: 'default.cust_tbl' };
const fromTable = { namespace: 'file', name: '/lake/from_tbl' };

/** `saveAsTable('cust_tbl')`, then a job reading the table and writing `upper(email)`, as Spark sent them. */
export const sparkTableEvents = (): AuditEvent[] => [
  lineageRunEvent(fixture('spark-table-write.json')),
  lineageRunEvent(fixture('spark-table-read.json')),
];

const symlinksFacet = (aliases: readonly DatasetRef[] | 'deleted') => ({
  symlinks: {
    _producer: producer,
    _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/SymlinksDatasetFacet.json',
    ...(aliases === 'deleted'
      ? { _deleted: true }
      : { identifiers: aliases.map((a) => ({ ...a, type: 'TABLE' })) }),
  },
});

/** A DatasetEvent at minute `at` giving `dataset` these aliases (or deleting its symlinks facet). */
const declares = (
  dataset: DatasetRef,
  at: number,
  aliases: readonly DatasetRef[] | 'deleted',
): AuditEvent =>
  lineageRunEvent({
    eventTime: new Date(Date.UTC(2026, 0, 1, 0, at)).toISOString(),
    producer,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent',
    dataset: { ...dataset, facets: symlinksFacet(aliases) },
  });

const taggedFields = async (store: LineageStore, d: DatasetRef) =>
  (await store.dataset(d))?.fields.filter((f) => f.tags.length > 0).map((f) => f.name) ?? [];

/**
 * Datasets known by other names through the `symlinks` facet, held to one answer in every store.
 * `makeStore` returns a store over an empty read model.
 */
export const symlinksContract = (
  name: string,
  makeStore: () => Promise<StoreFixture<LineageStore>>,
  /** Runs `body` with a fresh store holding `events` projected one by one. */
  withStore: <T>(
    events: readonly AuditEvent[],
    body: (store: LineageStore) => Promise<T>,
  ) => Promise<T>,
): void => {
  /** What a user sees of the Spark table through its table name. */
  const tableByName = async (store: LineageStore) => {
    const lineage = await store.lineage({
      node: { kind: 'dataset', ...sparkTableName },
      direction: 'DOWNSTREAM',
      depth: 1,
    });
    const columns = await store.columnLineage({
      dataset: sparkTableName,
      field: 'email',
      direction: 'DOWNSTREAM',
      depth: 1,
    });
    const impact = await store.impact(sparkTableName);
    const email = (await store.dataset(sparkTable))?.fields.find((f) => f.name === 'email');
    return {
      dataset: await store.dataset(sparkTableName),
      lineage: lineage.nodes.map((n) => n.name).sort(),
      columns: columns.edges.map((e) => `${e.from.field}->${e.to.dataset.name}.${e.to.field}`),
      impact: {
        dataset: impact.dataset,
        datasets: impact.datasets.map((d) => d.dataset.name),
        columns: impact.columns.map((c) => [c.column.dataset.name, c.column.field, c.tags]),
      },
      emailTags: email?.tags,
      copiedTags: await taggedFields(store, fromTable),
      impactOfPath: await store.impact(sparkTable),
    };
  };

  describe(`${name} lineage graph: symlinks (contract)`, () => {
    it('finds a Spark table by its table name, with PII classified under that name, whether the classification comes first or last', async () => {
      const classified = datasetClassified(sparkTableName, ['pii:email'], 'email');
      const last = await withStore([...sparkTableEvents(), classified], tableByName);
      const first = await withStore([classified, ...sparkTableEvents()], tableByName);
      expect(first).toEqual(last);
      expect(last.dataset).toMatchObject({ ...sparkTable, symlinks: [sparkTableName] });
      expect(last.lineage).toEqual([
        '/lake/from_tbl',
        '/lake/warehouse/cust_tbl',
        'gouvernail_tables.execute_insert_into_hadoop_fs_relation_command.lake_from_tbl',
      ]);
      expect(last.columns).toEqual(['email->/lake/from_tbl.EMAIL']);
      const tag = {
        tag: 'pii:email',
        origins: [{ dataset: sparkTableName, field: 'email', source: 'classification' }],
      };
      expect(last.emailTags).toEqual([tag]);
      expect(last.copiedTags).toEqual(['EMAIL']);
      expect(last.impact).toEqual({
        dataset: sparkTable,
        datasets: ['/lake/from_tbl'],
        columns: [['/lake/from_tbl', 'EMAIL', [tag]]],
      });
      expect(last.impactOfPath).toMatchObject({ dataset: sparkTable, columns: [{ tags: [tag] }] });
    });

    it('walks through a dataset named by its alias: what another job reads under the table name is downstream of the table', () =>
      withStore(
        [
          ...sparkTableEvents(),
          lineageRunEvent(
            runEvent({
              run: 7,
              job: 'dbt.mailing',
              at: '2026-12-07T00:00:00.000Z',
              ns: sparkTableName.namespace,
              inputs: [sparkTableName.name],
              outputs: ['mailing'],
              columns: {
                mailing: [{ out: 'to', from: [{ dataset: sparkTableName.name, field: 'email' }] }],
              },
            }),
          ),
          datasetClassified(sparkTable, ['pii:email'], 'email'),
        ],
        async (store) => {
          const impact = await store.impact(sparkTable);
          expect(impact.datasets.map((d) => d.dataset.name).sort()).toEqual([
            '/lake/from_tbl',
            'mailing',
          ]);
          expect(impact.columns.map((c) => [c.column.field, c.tags.map((t) => t.tag)])).toEqual([
            ['EMAIL', ['pii:email']],
            ['to', ['pii:email']],
          ]);
          expect(
            await taggedFields(store, { namespace: sparkTableName.namespace, name: 'mailing' }),
          ).toEqual(['to']);
          // A job naming the table name does not make it a dataset of its own: it still stands for the table.
          expect((await store.dataset(sparkTableName))?.name).toBe(sparkTable.name);
          expect((await store.impact(sparkTableName)).dataset).toEqual(sparkTable);
        },
      ));

    it('answers for the dataset asked for by name when two datasets give each other’s name as a symlink, in either order', async () => {
      const a = { namespace: 's3://lake', name: 'A' };
      const b = { namespace: 's3://lake', name: 'B' };
      const byName = (store: LineageStore) =>
        Promise.all(
          [a, b].map(async (d) => ({
            dataset: await store.dataset(d),
            impact: (await store.impact(d)).dataset,
          })),
        );
      const declarations = [declares(a, 10, [b]), declares(b, 20, [a])];
      for (const events of [declarations, [...declarations].reverse()]) {
        const [ofA, ofB] = await withStore(events, byName);
        expect(ofA).toMatchObject({ dataset: { ...a, symlinks: [b] }, impact: a });
        expect(ofB).toMatchObject({ dataset: { ...b, symlinks: [a] }, impact: b });
      }
    });

    it('gives a name claimed by two datasets to the latest claim by eventTime (a tie: the later in the log); _deleted removes a dataset’s claims', async () => {
      const alias = { namespace: 'hive://metastore', name: 'default.customers' };
      const p1 = { namespace: 's3://lake', name: '/customers/v1' };
      const p2 = { namespace: 's3://lake', name: '/customers/v2' };
      const steps: { what: string; event: AuditEvent; owner: DatasetRef | null }[] = [
        { what: 'p1 claims it', event: declares(p1, 10, [alias]), owner: p1 },
        { what: 'p2 claims it later', event: declares(p2, 20, [alias]), owner: p2 },
        { what: 'a late p1 event changes nothing', event: declares(p1, 5, [alias]), owner: p2 },
        { what: 'p1 again at the same instant', event: declares(p1, 20, [alias]), owner: p1 },
        { what: 'p1 deletes its symlinks', event: declares(p1, 30, 'deleted'), owner: p2 },
        {
          what: 'a late p2 deletion changes nothing',
          event: declares(p2, 15, 'deleted'),
          owner: p2,
        },
        { what: 'p2 declares no symlinks', event: declares(p2, 40, []), owner: null },
      ];
      const { store, cleanup } = await makeStore();
      try {
        await store.apply(
          lineageGraph.changesFor(datasetClassified(alias, ['pii'], 'email'), 0),
          0,
        );
        for (const [i, step] of steps.entries()) {
          await store.apply(lineageGraph.changesFor(step.event, i + 1), i + 1);
          const found = await store.dataset(alias);
          const owner = found?.firstSeenAt
            ? { namespace: found.namespace, name: found.name }
            : null;
          const symlinks = async (d: DatasetRef) => (await store.dataset(d))?.symlinks ?? [];
          expect({
            step: step.what,
            owner,
            tagged: [await taggedFields(store, p1), await taggedFields(store, p2)],
            symlinks: [await symlinks(p1), await symlinks(p2)],
          }).toEqual({
            step: step.what,
            owner: step.owner,
            tagged: [p1, p2].map((p) => (p === step.owner ? ['email'] : [])),
            symlinks: [p1, p2].map((p) => (p === step.owner ? [alias] : [])),
          });
        }
      } finally {
        await cleanup();
      }
    });
  });
};
