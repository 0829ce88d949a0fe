import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { lineageGraph } from '../../../projections/lineage/evolve.js';
import type {
  DatasetRef,
  LineageDirection,
  LineageGraph,
  LineageNodeKind,
  LineageStore,
  PiiTag,
} from '../../../projections/lineage/ports.js';
import { datasetClassified, lineageRunEvent } from '../events.js';
import {
  columnEdgeEvent,
  fixture,
  minute,
  producer,
  runEvent,
  schemaURL,
  uuidOf,
} from '../../unit/lineage/support.js';
import type { StoreFixture } from './access-store.js';
import { datasetInputsContract } from './lineage-dataset-inputs.js';
import { facetDeletionContract } from './lineage-facet-deletion.js';
import { symlinksContract } from './symlinks.js';
import { tagFacetSteps, usersTable } from './tag-facets.js';

export interface LineageContractOptions {
  /** Runs of each property; lower it for remote stores. Default 100. */
  readonly numRuns?: number;
}

const ns = 'postgres://food-delivery-db:5432';
export const d7 = { namespace: ns, name: 'public.delivery_7_days' };
const top = { namespace: ns, name: 'public.top_delivery_times' };
const report = { namespace: ns, name: 'public.delivery_report' };
const topJob = { namespace: 'food_delivery_scheduler', name: 'daily_dag.top_delivery_times' };
const reportJob = { namespace: 'dbt://analytics', name: 'delivery_report' };
const runId = '0176a8c2-fe01-7439-87e6-56a1a1b4029f';

/** The OpenLineage spec examples, classified. */
export const specEvents = (): AuditEvent[] => [
  lineageRunEvent(fixture('run-start.json')),
  lineageRunEvent(fixture('run-complete.json')),
  lineageRunEvent(fixture('dataset-event.json')),
  lineageRunEvent(fixture('job-event.json')),
  datasetClassified(d7, ['pii']),
  datasetClassified(d7, ['pii:status'], 'status'),
];

export const changesOf = (events: readonly AuditEvent[]) =>
  events.flatMap((e, i) => lineageGraph.changesFor(e, i));

/** Everything the read model says about the spec examples, to compare two stores. */
export const specSnapshot = async (store: LineageStore) => ({
  datasets: await Promise.all([d7, top, report].map((d) => store.dataset(d))),
  jobs: await Promise.all([topJob, reportJob].map((j) => store.job(j))),
  run: await store.run(runId),
  lineage: await store.lineage({ node: { kind: 'dataset', ...d7 }, direction: 'BOTH', depth: 5 }),
  columns: await store.columnLineage({
    dataset: report,
    field: 'contact',
    direction: 'BOTH',
    depth: 5,
  }),
  impact: await store.impact(d7),
});

const names = (g: LineageGraph) => ({
  nodes: g.nodes.map((n) => `${n.kind}:${n.name}`).sort(),
  edges: g.edges.map((e) => `${e.from.name}->${e.to.name}@${e.validFrom}`).sort(),
});

interface Run {
  readonly job: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly at: number;
}

const runArb = (datasets: number, jobs: number) =>
  fc.record({
    job: fc.nat(jobs - 1),
    inputs: fc.uniqueArray(fc.nat(datasets - 1), { maxLength: 3 }),
    outputs: fc.uniqueArray(fc.nat(datasets - 1), { maxLength: 3 }),
    at: fc.nat(100),
  });

const graphArb = fc
  .record({ datasets: fc.integer({ min: 1, max: 10 }), jobs: fc.integer({ min: 1, max: 6 }) })
  .chain(({ datasets, jobs }) =>
    fc.record({
      datasets: fc.constant(datasets),
      runs: fc.array(runArb(datasets, jobs), { minLength: 1, maxLength: 20 }),
      start: fc.record({
        kind: fc.constantFrom<LineageNodeKind>('dataset', 'job'),
        index: fc.nat(Math.max(datasets, jobs) - 1),
      }),
      direction: fc.constantFrom<LineageDirection>('UPSTREAM', 'DOWNSTREAM', 'BOTH'),
      depth: fc.nat(5),
      asOf: fc.option(fc.nat(100), { nil: undefined }),
    }),
  );

const nodeName = (kind: LineageNodeKind, i: number): string =>
  kind === 'dataset' ? `d${i}` : `j${i}`;
const key = (kind: LineageNodeKind, name: string): string => `${kind}:${name}`;

/** The lineage graph by plain breadth-first search over the edges the runs declare. */
const reference = (
  runs: readonly Run[],
  q: {
    start: { kind: LineageNodeKind; name: string };
    direction: LineageDirection;
    depth: number;
    asOf?: number;
  },
) => {
  const firstSeen = new Map<string, number>();
  const edges = new Map<string, { from: string; to: string; validFrom: number }>();
  const see = (k: string, at: number) => firstSeen.set(k, Math.min(at, firstSeen.get(k) ?? at));
  const addEdge = (from: string, to: string, at: number) => {
    const k = `${from}>${to}`;
    edges.set(k, { from, to, validFrom: Math.min(at, edges.get(k)?.validFrom ?? at) });
  };
  for (const r of runs) {
    const job = key('job', nodeName('job', r.job));
    see(job, r.at);
    for (const i of r.inputs) {
      see(key('dataset', `d${i}`), r.at);
      addEdge(key('dataset', `d${i}`), job, r.at);
    }
    for (const o of r.outputs) {
      see(key('dataset', `d${o}`), r.at);
      addEdge(job, key('dataset', `d${o}`), r.at);
    }
  }
  const startKey = key(q.start.kind, q.start.name);
  const seen = firstSeen.get(startKey);
  if (seen === undefined || (q.asOf !== undefined && seen > q.asOf))
    return { nodes: [], edges: [] };
  const live = [...edges.values()].filter((e) => q.asOf === undefined || e.validFrom <= q.asOf);
  const maxHops = q.start.kind === 'dataset' ? 2 * q.depth : Math.max(0, 2 * q.depth - 1);
  const nodes = new Set([startKey]);
  const found = new Set<string>();
  for (const way of q.direction === 'BOTH' ? ['UPSTREAM', 'DOWNSTREAM'] : [q.direction]) {
    const visited = new Set([startKey]);
    let frontier = [startKey];
    for (let hop = 0; hop < maxHops; hop++) {
      const next: string[] = [];
      for (const n of frontier) {
        for (const e of live) {
          const [src, dst] = way === 'DOWNSTREAM' ? [e.from, e.to] : [e.to, e.from];
          if (src !== n) continue;
          found.add(`${e.from}>${e.to}@${e.validFrom}`);
          if (visited.has(dst)) continue;
          visited.add(dst);
          next.push(dst);
        }
      }
      frontier = next;
    }
    for (const n of visited) nodes.add(n);
  }
  return { nodes: [...nodes].sort(), edges: [...found].sort() };
};

const minuteOf = (iso: string): number => (Date.parse(iso) - Date.parse(minute(0))) / 60_000;

const normalise = (g: LineageGraph) => ({
  nodes: g.nodes.map((n) => key(n.kind, n.name)).sort(),
  edges: g.edges
    .map(
      (e) =>
        `${key(e.from.kind, e.from.name)}>${key(e.to.kind, e.to.name)}@${minuteOf(e.validFrom)}`,
    )
    .sort(),
});

const tagNames = (tags: readonly PiiTag[]): string[] => tags.map((t) => t.tag);

type Kind = 'DIRECT' | 'INDIRECT' | undefined;
interface Col {
  readonly d: number;
  readonly f: number;
}
interface Edge {
  readonly from: Col;
  readonly to: Col;
  readonly type: Kind;
}

const piiDatasets = 5;
const colArb = fc.record({ d: fc.nat(piiDatasets - 1), f: fc.nat(2) });
const tagArb = fc.constantFrom('pii:email', 'pii:name', 'pii:ip');

interface Scenario {
  readonly edges: readonly Edge[];
  readonly columnTags: readonly { readonly col: Col; readonly tags: readonly string[] }[];
  readonly datasetTags: readonly { readonly d: number; readonly tags: readonly string[] }[];
  readonly source: number;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  edges: fc.array(
    fc.record({
      from: colArb,
      to: colArb,
      type: fc.constantFrom<Kind>('DIRECT', 'INDIRECT', undefined),
    }),
    { maxLength: 14 },
  ),
  columnTags: fc.array(fc.record({ col: colArb, tags: fc.uniqueArray(tagArb, { maxLength: 2 }) }), {
    maxLength: 6,
  }),
  datasetTags: fc.array(
    fc.record({
      d: fc.nat(piiDatasets - 1),
      tags: fc.uniqueArray(fc.constantFrom('pii', 'pii:health'), { maxLength: 2 }),
    }),
    {
      maxLength: 3,
    },
  ),
  source: fc.nat(piiDatasets - 1),
});

const colKey = (c: Col): string => `d${c.d}.f${c.f}`;
const piiName = (d: number) => ({ namespace: 'warehouse', name: `d${d}` });

const eventsOf = (s: Scenario): AuditEvent[] => [
  ...s.edges.map((e, i) => lineageRunEvent(columnEdgeEvent(i, e.from, e.to, e.type))),
  ...s.columnTags.map((t) => datasetClassified(piiName(t.col.d), [...t.tags], `f${t.col.f}`)),
  ...s.datasetTags.map((t) => datasetClassified(piiName(t.d), [...t.tags])),
];

/** Reference propagation: closures over plain adjacency lists. */
const piiReference = (s: Scenario) => {
  const direct = new Map<string, Set<string>>();
  for (const t of s.columnTags) direct.set(colKey(t.col), new Set(t.tags));
  const datasetDirect = new Map<number, Set<string>>();
  for (const t of s.datasetTags) datasetDirect.set(t.d, new Set(t.tags));
  const carries = new Map<string, Set<string>>();
  const anyEdge = new Map<string, Set<string>>();
  const datasetNext = new Map<number, Set<number>>();
  const add = <K, V>(m: Map<K, Set<V>>, k: K, v: V) => m.set(k, (m.get(k) ?? new Set()).add(v));
  for (const e of s.edges) {
    add(anyEdge, colKey(e.from), colKey(e.to));
    if (e.type !== 'INDIRECT') add(carries, colKey(e.from), colKey(e.to));
    add(datasetNext, e.from.d, e.to.d);
  }
  const reach = <K>(adj: Map<K, Set<K>>, from: K): Set<K> => {
    const seen = new Set([from]);
    const stack = [from];
    for (let k = stack.pop(); k !== undefined; k = stack.pop()) {
      for (const n of adj.get(k) ?? []) {
        if (seen.has(n)) continue;
        seen.add(n);
        stack.push(n);
      }
    }
    return seen;
  };
  const columns = new Set([
    ...s.edges.flatMap((e) => [colKey(e.from), colKey(e.to)]),
    ...[...direct].filter(([, tags]) => tags.size > 0).map(([c]) => c),
  ]);
  const columnTags = new Map<string, string[]>();
  for (const c of columns) columnTags.set(c, []);
  for (const [origin, tags] of direct)
    for (const c of tags.size === 0 ? [] : reach(carries, origin))
      columnTags.set(c, [...new Set([...columnTags.get(c)!, ...tags])].sort());
  const datasetTags = new Map<number, string[]>();
  for (const [origin, tags] of datasetDirect) {
    for (const d of reach(datasetNext, origin))
      datasetTags.set(d, [...new Set([...(datasetTags.get(d) ?? []), ...tags])].sort());
  }
  return { columnTags, datasetTags, carries, anyEdge, datasetNext, reach };
};

/** The tags put on a dataset and its columns directly (not propagated), by field ('' for the dataset). */
const directTags = async (store: LineageStore, ref: DatasetRef) => {
  const view = await store.dataset(ref);
  const own = (tags: readonly PiiTag[], field: string | null) =>
    tags
      .filter((t) =>
        t.origins.some(
          (o) =>
            o.dataset.namespace === ref.namespace &&
            o.dataset.name === ref.name &&
            o.field === field,
        ),
      )
      .map((t) => t.tag);
  const out: Record<string, string[]> = {};
  for (const [field, tags] of [
    ['', own(view?.tags ?? [], null)] as const,
    ...(view?.fields ?? []).map((f) => [f.name, own(f.tags, f.name)] as const),
  ])
    if (tags.length > 0) out[field] = tags;
  return out;
};

const facet = (body: object) => ({ _producer: producer, _schemaURL: schemaURL, ...body });

/** A run of job `w` writing `warehouse.tbl` with the given columns, and an `sql` job facet. */
const schemaRun = (o: {
  run: number;
  at: string;
  fields: readonly string[];
  sql?: string;
  /** A `dataSource` facet of this name, or its deletion. */
  source?: string | { deleted: true };
}) =>
  lineageRunEvent({
    eventType: 'COMPLETE',
    eventTime: o.at,
    producer,
    schemaURL,
    run: { runId: uuidOf(o.run) },
    job: {
      namespace: 'scheduler',
      name: 'w',
      ...(o.sql === undefined ? {} : { facets: { sql: facet({ query: o.sql }) } }),
    },
    inputs: [],
    outputs: [
      {
        namespace: 'warehouse',
        name: 'tbl',
        facets: {
          schema: facet({ fields: o.fields.map((name) => ({ name, type: 'string' })) }),
          ...(o.source === undefined
            ? {}
            : {
                dataSource: facet(
                  typeof o.source === 'string' ? { name: o.source } : { _deleted: true },
                ),
              }),
        },
      },
    ],
  });
const tbl = { namespace: 'warehouse', name: 'tbl' };
const wJob = { namespace: 'scheduler', name: 'w' };

const observedColumnTags = async (store: LineageStore): Promise<Map<string, string[]>> => {
  const out = new Map<string, string[]>();
  for (let d = 0; d < piiDatasets; d++) {
    for (const f of (await store.dataset(piiName(d)))?.fields ?? [])
      out.set(`d${d}.${f.name}`, tagNames(f.tags));
  }
  return out;
};

/**
 * The behaviour every `LineageStore` adapter shares: the store-level tests of the SQLite store, run
 * through the port only. `makeStore` returns a store over an empty read model.
 */
export const lineageStoreContract = (
  name: string,
  makeStore: () => Promise<StoreFixture<LineageStore>>,
  options: LineageContractOptions = {},
): void => {
  const numRuns = options.numRuns ?? 100;

  /** Runs `body` with a fresh store holding `events` projected one by one at positions 0, 1, 2 … */
  const withStore = async <T>(
    events: readonly AuditEvent[],
    body: (store: LineageStore) => Promise<T>,
  ): Promise<T> => {
    const { store, cleanup } = await makeStore();
    try {
      for (const [position, e] of events.entries()) {
        await store.apply(lineageGraph.changesFor(e, position), position);
      }
      return await body(store);
    } finally {
      await cleanup();
    }
  };
  symlinksContract(name, makeStore, withStore);

  describe(`${name} lineage graph (contract)`, () => {
    it('keeps the run: state, times, merged facets, parent, inputs and outputs', () =>
      withStore(specEvents(), async (store) => {
        const run = await store.run(runId.toUpperCase());
        expect(run).toMatchObject({
          runId,
          job: topJob,
          state: 'COMPLETED',
          startedAt: '2020-02-22T22:42:42.000Z',
          endedAt: '2020-02-22T22:48:12.100Z',
          parent: {
            runId: '0176a8c2-fe01-7439-87e6-000000000001',
            job: { namespace: 'food_delivery_scheduler', name: 'daily_dag' },
          },
          inputs: [d7],
          outputs: [top],
          firstSeenAt: '2020-02-22T22:42:42.000Z',
          lastSeenAt: '2020-02-22T22:48:12.100Z',
        });
        expect(Object.keys(run!.facets).sort()).toEqual([
          'nominalTime',
          'parent',
          'processing_engine',
        ]);
        expect(await store.run('0176a8c2-fe01-7439-87e6-000000000002')).toBeNull();
      }));

    it('merges run facets by name, the later event replacing a facet, and breaks a time tie by the more final state', () => {
      const withFacets = (eventType: string, facets: Record<string, unknown>) => {
        const e = runEvent({ run: 7, job: 'tie', at: minute(5), eventType });
        return lineageRunEvent({ ...e, run: { ...(e.run as object), facets } });
      };
      const facet = (body: object) => ({
        _producer: 'https://example.org',
        _schemaURL: 'https://example.org/f',
        ...body,
      });
      return withStore(
        [
          withFacets('COMPLETE', { attempt: facet({ n: 1 }), spark: facet({ app: 'a' }) }),
          withFacets('START', { attempt: facet({ n: 2 }) }),
        ],
        async (store) => {
          const run = await store.run(uuidOf(7));
          expect(run).toMatchObject({
            state: 'COMPLETED',
            endedAt: minute(5),
            startedAt: minute(5),
          });
          expect(run!.facets).toEqual({ attempt: facet({ n: 2 }), spark: facet({ app: 'a' }) });
        },
      );
    });

    it('keeps jobs with their facets, inputs, outputs and latest run', () =>
      withStore(specEvents(), async (store) => {
        expect(await store.job(topJob)).toMatchObject({
          ...topJob,
          firstSeenAt: '2020-02-22T22:42:42.000Z',
          lastSeenAt: '2020-02-22T22:48:12.100Z',
          inputs: [d7],
          outputs: [top],
          latestRun: {
            runId,
            state: 'COMPLETED',
            startedAt: '2020-02-22T22:42:42.000Z',
            endedAt: '2020-02-22T22:48:12.100Z',
          },
        });
        expect(Object.keys((await store.job(topJob))!.facets)).toEqual(['sql']);
        expect(await store.job(reportJob)).toMatchObject({
          inputs: [top],
          outputs: [report],
          latestRun: null,
        });
      }));

    it('versions schemas and serves the one in force as of an instant', () =>
      withStore(specEvents(), async (store) => {
        const now = await store.dataset(d7);
        expect(now).toMatchObject({
          ...d7,
          firstSeenAt: '2020-02-22T22:42:42.000Z',
          lastSeenAt: '2020-02-23T09:00:00.000Z',
          dataSource: {
            name: 'food_delivery_db',
            uri: 'postgres://food-delivery-db:5432/food_delivery',
          },
          schema: { version: 2, observedAt: '2020-02-23T09:00:00.000Z' },
        });
        expect(now!.fields.map((f) => f.name)).toEqual([
          'order_id',
          'order_placed_on',
          'order_delivered_on',
          'customer_email',
          'status',
          'delivery_address',
          'delivery_address.street',
          'delivery_address.city',
        ]);
        const before = await store.dataset(d7, '2020-02-23T08:59:59.999Z');
        expect(before!.schema).toEqual({ version: 1, observedAt: '2020-02-22T22:42:42.000Z' });
        expect(before!.fields.filter((f) => f.inSchema).map((f) => f.name)).toEqual([
          'order_id',
          'order_placed_on',
          'order_delivered_on',
          'customer_email',
          'status',
        ]);
        expect(await store.dataset(d7, '2020-02-22T22:00:00Z')).toBeNull();
        expect(await store.dataset({ namespace: ns, name: 'nope' })).toBeNull();
      }));

    it('does not add a schema version when a later event repeats the same fields', () =>
      withStore([...specEvents(), lineageRunEvent(fixture('run-start.json'))], async (store) => {
        expect((await store.dataset(top))!.schema!.version).toBe(1);
      }));

    it('walks dataset lineage by depth, direction and time', () =>
      withStore(specEvents(), async (store) => {
        expect(
          names(
            await store.lineage({
              node: { kind: 'dataset', ...d7 },
              direction: 'DOWNSTREAM',
              depth: 1,
            }),
          ),
        ).toEqual({
          nodes: [
            'dataset:public.delivery_7_days',
            'dataset:public.top_delivery_times',
            'job:daily_dag.top_delivery_times',
          ],
          edges: [
            'daily_dag.top_delivery_times->public.top_delivery_times@2020-02-22T22:42:42.000Z',
            'public.delivery_7_days->daily_dag.top_delivery_times@2020-02-22T22:42:42.000Z',
          ],
        });
        expect(
          names(
            await store.lineage({
              node: { kind: 'dataset', ...d7 },
              direction: 'DOWNSTREAM',
              depth: 2,
            }),
          ).nodes,
        ).toHaveLength(5);
        expect(
          names(
            await store.lineage({
              node: { kind: 'job', ...reportJob },
              direction: 'BOTH',
              depth: 1,
            }),
          ).nodes,
        ).toEqual([
          'dataset:public.delivery_report',
          'dataset:public.top_delivery_times',
          'job:delivery_report',
        ]);
        const asOf = await store.lineage({
          node: { kind: 'dataset', ...d7 },
          direction: 'DOWNSTREAM',
          depth: 5,
          asOf: '2020-02-23T00:00:00Z',
        });
        expect(names(asOf).nodes).toEqual([
          'dataset:public.delivery_7_days',
          'dataset:public.top_delivery_times',
          'job:daily_dag.top_delivery_times',
        ]);
      }));

    it('walks column lineage with transformations', () =>
      withStore(specEvents(), async (store) => {
        const g = await store.columnLineage({
          dataset: report,
          field: 'contact',
          direction: 'UPSTREAM',
          depth: 5,
        });
        expect(g.nodes.map((n) => `${n.dataset.name}.${n.field}`).sort()).toEqual([
          'public.delivery_7_days.customer_email',
          // The filter of the columnLineage facet's `dataset` list, on every column it writes.
          'public.delivery_7_days.status',
          'public.delivery_report.contact',
          'public.top_delivery_times.customer_email',
        ]);
        const masked = g.edges.find((e) => e.to.field === 'contact');
        expect(masked).toMatchObject({
          from: { dataset: top, field: 'customer_email' },
          job: reportJob,
          transformations: [
            {
              type: 'DIRECT',
              subtype: 'TRANSFORMATION',
              description: 'sha256(customer_email)',
              masking: true,
            },
          ],
          carriesPii: true,
          validFrom: '2020-02-24T08:00:00.000Z',
        });
        const delivery = await store.columnLineage({
          dataset: top,
          field: 'order_delivery_time',
          direction: 'UPSTREAM',
          depth: 1,
        });
        expect(delivery.edges.map((e) => [e.from.field, e.carriesPii]).sort()).toEqual([
          ['order_delivered_on', true],
          ['order_placed_on', true],
          ['status', false],
        ]);
      }));

    datasetInputsContract(withStore);

    it('propagates PII tags along column and dataset lineage, and reports the impact', () =>
      withStore(specEvents(), async (store) => {
        const tagsOf = async (ref: typeof d7) =>
          Object.fromEntries(
            (await store.dataset(ref))!.fields.map((f) => [f.name, f.tags.map((t) => t.tag)]),
          );
        expect(await tagsOf(d7)).toMatchObject({
          customer_email: ['pii:email'],
          'delivery_address.street': ['pii'],
          status: ['pii:status'],
          order_id: [],
        });
        expect(await tagsOf(top)).toEqual({
          order_id: [],
          order_placed_on: [],
          order_delivered_on: [],
          customer_email: ['pii:email'],
          order_delivery_time: [],
        });
        expect(await tagsOf(report)).toEqual({ contact: ['pii:email'], minutes: [] });
        const contact = (await store.dataset(report))!.fields.find((f) => f.name === 'contact')!;
        expect(contact.tags).toEqual([
          {
            tag: 'pii:email',
            origins: [{ dataset: d7, field: 'customer_email', source: 'openlineage' }],
          },
        ]);
        expect((await store.dataset(report))!.tags).toEqual([
          { tag: 'pii', origins: [{ dataset: d7, field: null, source: 'classification' }] },
        ]);
        const impact = await store.impact(d7);
        expect(
          impact.datasets.map((d) => [d.dataset.name, d.distance, d.tags.map((t) => t.tag)]),
        ).toEqual([
          ['public.top_delivery_times', 1, ['pii']],
          ['public.delivery_report', 2, ['pii']],
        ]);
        expect(
          impact.columns.map((c) => [
            `${c.column.dataset.name}.${c.column.field}`,
            c.distance,
            c.tags.map((t) => t.tag),
          ]),
        ).toEqual([
          ['public.top_delivery_times.customer_email', 1, ['pii:email']],
          ['public.top_delivery_times.order_delivered_on', 1, []],
          ['public.top_delivery_times.order_delivery_time', 1, []],
          ['public.top_delivery_times.order_id', 1, []],
          ['public.top_delivery_times.order_placed_on', 1, []],
          ['public.delivery_report.contact', 2, ['pii:email']],
          ['public.delivery_report.minutes', 2, []],
        ]);
      }));

    it('lets a job’s output tags facet replace the dataset’s OpenLineage tags, an input’s only add, and leaves classifications alone', async () => {
      const { store, cleanup } = await makeStore();
      try {
        for (const [position, step] of tagFacetSteps().entries()) {
          await store.apply(lineageGraph.changesFor(step.event, position), position);
          expect({ step: step.what, tags: await directTags(store, usersTable) }).toEqual({
            step: step.what,
            tags: step.tags,
          });
        }
      } finally {
        await cleanup();
      }
    });

    it('serves the schema observed latest at or before an instant, whatever order the events arrive in', () =>
      withStore(
        [
          schemaRun({ run: 1, at: minute(600), fields: ['a'] }),
          schemaRun({ run: 2, at: minute(720), fields: ['a', 'b'] }),
          // Run 1's COMPLETE, logged last: the schema in force at its instant, not a new one.
          schemaRun({ run: 1, at: minute(605), fields: ['a'] }),
        ],
        async (store) => {
          const at = async (asOf?: string) => {
            const view = await store.dataset(tbl, asOf);
            return {
              schema: view?.schema,
              fields: view?.fields.filter((f) => f.inSchema).map((f) => f.name),
            };
          };
          const latest = { schema: { version: 2, observedAt: minute(720) }, fields: ['a', 'b'] };
          expect(await at()).toEqual(latest);
          expect(await at(minute(780))).toEqual(latest);
          expect(await at(minute(660))).toEqual({
            schema: { version: 1, observedAt: minute(600) },
            fields: ['a'],
          });
          // A late event with other columns is a version of its own, in force from its instant.
          await store.apply(
            lineageGraph.changesFor(schemaRun({ run: 3, at: minute(660), fields: ['a', 'c'] }), 3),
            3,
          );
          expect(await at()).toEqual(latest);
          expect(await at(minute(690))).toEqual({
            schema: { version: 3, observedAt: minute(660) },
            fields: ['a', 'c'],
          });
          expect((await at(minute(630))).schema).toEqual({ version: 1, observedAt: minute(600) });
          // A late event inside the current version's span, seen again after it, does not roll the
          // current schema back: the current version is recorded again where it was last seen.
          for (const [position, e] of [
            schemaRun({ run: 4, at: minute(800), fields: ['a', 'b'] }),
            schemaRun({ run: 5, at: minute(750), fields: ['a'] }),
          ].entries())
            await store.apply(lineageGraph.changesFor(e, 4 + position), 4 + position);
          expect(await at()).toEqual({
            schema: { version: 4, observedAt: minute(800) },
            fields: ['a', 'b'],
          });
          expect(await at(minute(760))).toEqual({
            schema: { version: 5, observedAt: minute(750) },
            fields: ['a'],
          });
        },
      ));

    it('keeps each job facet from the event with the latest eventTime, a late event changing none it predates', () =>
      withStore(
        [
          schemaRun({ run: 1, at: minute(600), fields: ['a'], sql: 'SELECT v1' }),
          schemaRun({ run: 2, at: minute(2040), fields: ['a'], sql: 'SELECT v2' }),
          schemaRun({ run: 1, at: minute(605), fields: ['a'], sql: 'SELECT v1' }),
        ],
        async (store) => {
          expect((await store.job(wJob))!.facets).toEqual({
            sql: facet({ query: 'SELECT v2' }),
          });
          expect((await store.job(wJob))!.latestRun?.runId).toBe(uuidOf(2));
        },
      ));

    it('keeps the run that started last as the job’s latest, whatever events an older run gets later', () =>
      withStore(
        [
          ['START', 1, 600],
          ['COMPLETE', 1, 605],
          ['START', 2, 660],
          ['FAIL', 2, 665],
          // Metadata after completion for the older run.
          ['OTHER', 1, 670],
        ].map(([eventType, run, at]) =>
          lineageRunEvent(
            runEvent({
              run: Number(run),
              job: 'w',
              at: minute(Number(at)),
              eventType: String(eventType),
            }),
          ),
        ),
        async (store) => {
          expect((await store.job(wJob))!.latestRun).toEqual({
            runId: uuidOf(2),
            state: 'FAILED',
            startedAt: minute(660),
            endedAt: minute(665),
          });
        },
      ));

    facetDeletionContract(withStore);

    it('keeps the latest schema, dataSource and job facets current, and every version a real observation, whatever order the events arrive in', async () => {
      const schemas = [['a'], ['a', 'b'], ['a', 'c'], ['b']];
      const observations = fc
        .uniqueArray(
          fc.record({
            at: fc.nat(30),
            schema: fc.nat(schemas.length - 1),
            sql: fc.boolean(),
            source: fc.constantFrom('none', 'set', 'deleted'),
          }),
          { minLength: 1, maxLength: 8, selector: (o) => o.at },
        )
        .chain((os) =>
          fc.tuple(
            fc.constant(os),
            fc.shuffledSubarray(os, { minLength: os.length, maxLength: os.length }),
          ),
        );
      await fc.assert(
        fc.asyncProperty(observations, async ([inTime, logged]) => {
          const events = logged.map((o, i) =>
            schemaRun({
              run: i,
              at: minute(o.at),
              fields: schemas[o.schema]!,
              ...(o.sql ? { sql: `SELECT ${o.schema}` } : {}),
              ...(o.source === 'none'
                ? {}
                : { source: o.source === 'set' ? `pg${o.at}` : { deleted: true as const } }),
            }),
          );
          const byTime = [...inTime].sort((a, b) => a.at - b.at);
          const inOrder = logged.every((o, i) => i === 0 || logged[i - 1]!.at < o.at);
          await withStore(events, async (store) => {
            const latest = byTime[byTime.length - 1]!;
            for (let t = 0; t <= 31; t++) {
              const view = await store.dataset(tbl, minute(t));
              const got = view?.fields.filter((f) => f.inSchema).map((f) => f.name);
              const inForce = byTime.filter((o) => o.at <= t).pop();
              if (!inForce) {
                expect(view).toBeNull();
                continue;
              }
              // The version served was observed then, with those fields, at or before t; from the
              // latest observation on (and at every instant when events come in time order) it
              // is the latest observed at or before t.
              expect(
                byTime.some(
                  (o) =>
                    minute(o.at) === view?.schema?.observedAt &&
                    JSON.stringify(schemas[o.schema]) === JSON.stringify(got),
                ) || { t, got, schema: view?.schema },
              ).toBe(true);
              if (t >= latest.at || inOrder) expect(got).toEqual(schemas[inForce.schema]);
            }
            const sql = byTime.filter((o) => o.sql).pop();
            expect((await store.job(wJob))!.facets).toEqual(
              sql ? { sql: facet({ query: `SELECT ${sql.schema}` }) } : {},
            );
            const source = byTime.filter((o) => o.source !== 'none').pop();
            expect((await store.dataset(tbl))!.dataSource).toEqual(
              source?.source === 'set' ? { name: `pg${source.at}` } : null,
            );
          });
        }),
        { numRuns },
      );
    });

    it('keeps carrying PII along a column edge once a declaration carried it, even after a later all-INDIRECT one', () => {
      const declare = (run: number, at: string, type: 'DIRECT' | 'INDIRECT') =>
        lineageRunEvent(
          runEvent({
            run,
            job: 'mask',
            at,
            inputs: ['src'],
            outputs: ['dst'],
            columns: {
              dst: [{ out: 'email_hash', from: [{ dataset: 'src', field: 'email', type }] }],
            },
          }),
        );
      const src = { namespace: 'warehouse', name: 'src' };
      return withStore(
        [
          datasetClassified(src, ['pii:email'], 'email'),
          declare(1, minute(10), 'DIRECT'),
          declare(2, minute(20), 'INDIRECT'),
        ],
        async (store) => {
          const g = await store.columnLineage({
            dataset: src,
            field: 'email',
            direction: 'DOWNSTREAM',
            depth: 1,
          });
          expect(g.edges.map((e) => [e.transformations.map((t) => t.type), e.carriesPii])).toEqual([
            [['INDIRECT'], true],
          ]);
          const dst = await store.dataset({ namespace: 'warehouse', name: 'dst' });
          expect(dst!.fields.map((f) => [f.name, tagNames(f.tags)])).toEqual([
            ['email_hash', ['pii:email']],
          ]);
        },
      );
    });

    it('lets a classification be cleared', () =>
      withStore(
        [...specEvents(), datasetClassified(d7, []), datasetClassified(d7, [], 'status')],
        async (store) => {
          expect((await store.dataset(report))!.tags).toEqual([]);
          expect((await store.dataset(d7))!.fields.find((f) => f.name === 'status')!.tags).toEqual(
            [],
          );
          expect(tagNames((await store.dataset(d7))!.tags)).toEqual([]);
        },
      ));

    it('walks equal a reference breadth-first search on random graphs, with cycles, at any depth, direction and instant', async () => {
      await fc.assert(
        fc.asyncProperty(graphArb, ({ runs, start, direction, depth, asOf }) => {
          const events = runs.map((r, i) =>
            lineageRunEvent(
              runEvent({
                run: i,
                job: `j${r.job}`,
                at: minute(r.at),
                inputs: r.inputs.map((d) => `d${d}`),
                outputs: r.outputs.map((d) => `d${d}`),
              }),
            ),
          );
          return withStore(events, async (store) => {
            const nodeNameOf = nodeName(start.kind, start.index);
            const got = await store.lineage({
              node: {
                kind: start.kind,
                namespace: start.kind === 'dataset' ? 'warehouse' : 'scheduler',
                name: nodeNameOf,
              },
              direction,
              depth,
              ...(asOf === undefined ? {} : { asOf: minute(asOf) }),
            });
            expect(normalise(got)).toEqual(
              reference(runs, {
                start: { kind: start.kind, name: nodeNameOf },
                direction,
                depth,
                ...(asOf === undefined ? {} : { asOf }),
              }),
            );
          });
        }),
        { numRuns },
      );
    });

    it('as of an instant, shows the graph as it was: edges first seen later are absent', () =>
      withStore(
        [
          lineageRunEvent(
            runEvent({ run: 1, job: 'a', at: minute(10), inputs: ['raw'], outputs: ['clean'] }),
          ),
          lineageRunEvent(
            runEvent({ run: 2, job: 'b', at: minute(20), inputs: ['clean'], outputs: ['mart'] }),
          ),
          lineageRunEvent(
            runEvent({
              run: 3,
              job: 'a',
              at: minute(30),
              inputs: ['raw', 'extra'],
              outputs: ['clean'],
            }),
          ),
        ],
        async (store) => {
          const at = async (m?: number) =>
            normalise(
              await store.lineage({
                node: { kind: 'dataset', namespace: 'warehouse', name: 'clean' },
                direction: 'BOTH',
                depth: 3,
                ...(m === undefined ? {} : { asOf: minute(m) }),
              }),
            ).nodes;
          expect(await at(9)).toEqual([]);
          expect(await at(10)).toEqual(['dataset:clean', 'dataset:raw', 'job:a']);
          expect(await at(25)).toEqual([
            'dataset:clean',
            'dataset:mart',
            'dataset:raw',
            'job:a',
            'job:b',
          ]);
          expect(await at()).toEqual([
            'dataset:clean',
            'dataset:extra',
            'dataset:mart',
            'dataset:raw',
            'job:a',
            'job:b',
          ]);
        },
      ));

    it('refuses a bad depth or instant', () =>
      withStore([], async (store) => {
        const node = { kind: 'dataset' as const, namespace: 'w', name: 'd' };
        await expect(store.lineage({ node, direction: 'UPSTREAM', depth: -1 })).rejects.toThrow(
          RangeError,
        );
        await expect(store.lineage({ node, direction: 'UPSTREAM', depth: 1.5 })).rejects.toThrow(
          RangeError,
        );
        await expect(
          store.lineage({ node, direction: 'UPSTREAM', depth: 1, asOf: 'soon' }),
        ).rejects.toThrow(/asOf/);
        expect(await store.lineage({ node, direction: 'UPSTREAM', depth: 1 })).toEqual({
          nodes: [],
          edges: [],
        });
      }));

    it('ignores the same batch again or a lower position, and resets to nothing', () =>
      withStore([], async (store) => {
        expect(await store.checkpoint()).toBe(-1);
        const changes = changesOf(specEvents());
        await store.apply(changes, 5);
        const once = await specSnapshot(store);
        expect(await store.checkpoint()).toBe(5);
        await store.apply(changes, 5);
        await store.apply(changes, 3);
        await store.apply(
          changesOf([
            lineageRunEvent(runEvent({ run: 9, job: 'late', at: minute(1), inputs: ['x'] })),
          ]),
          4,
        );
        expect(await specSnapshot(store)).toEqual(once);
        expect(await store.job({ namespace: 'scheduler', name: 'late' })).toBeNull();
        expect(await store.checkpoint()).toBe(5);
        await store.reset();
        expect(await store.checkpoint()).toBe(-1);
        expect(await store.dataset(d7)).toBeNull();
        expect(await store.run(runId)).toBeNull();
      }));

    it('rebuilds the same read model after a reset, in one batch or event by event', () =>
      withStore(specEvents(), async (store) => {
        const stepwise = await specSnapshot(store);
        await store.reset();
        await store.apply(changesOf(specEvents()), 5);
        expect(await specSnapshot(store)).toEqual(stepwise);
      }));

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
            const view = (rs: typeof inOrder) =>
              withStore(
                rs.map((r) =>
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
                ),
                async (store) => {
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
                  const runViews = await Promise.all(
                    [0, 1, 2, 3, 4].map((r) => store.run(uuidOf(r))),
                  );
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
                },
              );
            expect(await view(shuffled)).toEqual(await view(inOrder));
          },
        ),
        { numRuns },
      );
    });

    it('a column tag reaches every column derived from it through carrying column lineage, and no other', async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, (s) =>
          withStore(eventsOf(s), async (store) => {
            const ref = piiReference(s);
            expect(await observedColumnTags(store)).toEqual(ref.columnTags);
            for (let d = 0; d < piiDatasets; d++) {
              const view = await store.dataset(piiName(d));
              if (view) expect(tagNames(view.tags)).toEqual(ref.datasetTags.get(d) ?? []);
            }
          }),
        ),
        { numRuns },
      );
    });

    it('impact lists every downstream dataset and column with the tags flowing through the source', async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, (s) =>
          withStore(eventsOf(s), async (store) => {
            const ref = piiReference(s);
            const impact = await store.impact(piiName(s.source));
            const downstream = [...ref.reach(ref.datasetNext, s.source)].filter(
              (d) => d !== s.source,
            );
            expect(impact.datasets.map((d) => d.dataset.name).sort()).toEqual(
              downstream.map((d) => `d${d}`).sort(),
            );
            for (const d of impact.datasets)
              expect(tagNames(d.tags)).toEqual(ref.datasetTags.get(s.source) ?? []);

            const sources = [
              ...new Set(s.edges.filter((e) => e.from.d === s.source).map((e) => colKey(e.from))),
            ];
            const expected = new Map<string, Set<string>>();
            for (const src of sources) {
              for (const c of ref.reach(ref.anyEdge, src))
                if (!c.startsWith(`d${s.source}.`)) expected.set(c, expected.get(c) ?? new Set());
              for (const c of ref.reach(ref.carries, src)) {
                if (c.startsWith(`d${s.source}.`)) continue;
                for (const t of ref.columnTags.get(src) ?? []) expected.get(c)!.add(t);
              }
            }
            const got = new Map(
              impact.columns.map((c) => [
                `${c.column.dataset.name}.${c.column.field}`,
                tagNames(c.tags),
              ]),
            );
            expect(got).toEqual(new Map([...expected].map(([k, v]) => [k, [...v].sort()])));
          }),
        ),
        { numRuns },
      );
    });
  });
};
