import { describe, expect, it } from 'vitest';
import type { LineageGraph } from '../../../projections/lineage/ports.js';
import { datasetClassified, lineageRunEvent } from '../../support/events.js';
import { fixture, storeWith } from './support.js';

const ns = 'postgres://food-delivery-db:5432';
const d7 = { namespace: ns, name: 'public.delivery_7_days' };
const top = { namespace: ns, name: 'public.top_delivery_times' };
const report = { namespace: ns, name: 'public.delivery_report' };
const topJob = { namespace: 'food_delivery_scheduler', name: 'daily_dag.top_delivery_times' };
const reportJob = { namespace: 'dbt://analytics', name: 'delivery_report' };
const runId = '0176a8c2-fe01-7439-87e6-56a1a1b4029f';

const events = () => [
  lineageRunEvent(fixture('run-start.json')),
  lineageRunEvent(fixture('run-complete.json')),
  lineageRunEvent(fixture('dataset-event.json')),
  lineageRunEvent(fixture('job-event.json')),
  datasetClassified(d7, ['pii']),
  datasetClassified(d7, ['pii:status'], 'status'),
];

const names = (g: LineageGraph) => ({
  nodes: g.nodes.map((n) => `${n.kind}:${n.name}`).sort(),
  edges: g.edges.map((e) => `${e.from.name}->${e.to.name}@${e.validFrom}`).sort(),
});

describe('lineage graph from the OpenLineage spec examples', () => {
  it('keeps the run: state, times, merged facets, parent, inputs and outputs', async () => {
    const store = await storeWith(events());
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
    expect(Object.keys(run!.facets).sort()).toEqual(['nominalTime', 'parent', 'processing_engine']);
    expect(await store.run('0176a8c2-fe01-7439-87e6-000000000002')).toBeNull();
  });

  it('keeps jobs with their facets, inputs, outputs and latest run', async () => {
    const store = await storeWith(events());
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
  });

  it('versions schemas and serves the one in force as of an instant', async () => {
    const store = await storeWith(events());
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
  });

  it('does not add a schema version when a later event repeats the same fields', async () => {
    const store = await storeWith([...events(), lineageRunEvent(fixture('run-start.json'))]);
    expect((await store.dataset(top))!.schema!.version).toBe(1);
  });

  it('walks dataset lineage by depth, direction and time', async () => {
    const store = await storeWith(events());
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
        await store.lineage({ node: { kind: 'job', ...reportJob }, direction: 'BOTH', depth: 1 }),
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
  });

  it('walks column lineage with transformations', async () => {
    const store = await storeWith(events());
    const g = await store.columnLineage({
      dataset: report,
      field: 'contact',
      direction: 'UPSTREAM',
      depth: 5,
    });
    expect(g.nodes.map((n) => `${n.dataset.name}.${n.field}`).sort()).toEqual([
      'public.delivery_7_days.customer_email',
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
  });

  it('propagates PII tags along column and dataset lineage, and reports the impact', async () => {
    const store = await storeWith(events());
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
  });

  it('lets a classification be cleared', async () => {
    const store = await storeWith([
      ...events(),
      datasetClassified(d7, []),
      datasetClassified(d7, [], 'status'),
    ]);
    expect((await store.dataset(report))!.tags).toEqual([]);
    expect((await store.dataset(d7))!.fields.find((f) => f.name === 'status')!.tags).toEqual([]);
  });
});
