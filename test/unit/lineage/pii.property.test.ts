import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import type { LineageStore, PiiTag } from '../../../projections/lineage/ports.js';
import { datasetClassified, lineageRunEvent } from '../../support/events.js';
import { minute, runEvent, storeWith } from './support.js';

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

const datasets = 5;
const colArb = fc.record({ d: fc.nat(datasets - 1), f: fc.nat(2) });
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
      d: fc.nat(datasets - 1),
      tags: fc.uniqueArray(fc.constantFrom('pii', 'pii:health'), { maxLength: 2 }),
    }),
    {
      maxLength: 3,
    },
  ),
  source: fc.nat(datasets - 1),
});

const colKey = (c: Col): string => `d${c.d}.f${c.f}`;
const name = (d: number) => ({ namespace: 'warehouse', name: `d${d}` });

const eventsOf = (s: Scenario): AuditEvent[] => [
  ...s.edges.map((e, i) =>
    lineageRunEvent(
      runEvent({
        run: i,
        job: `j${i}`,
        at: minute(i),
        inputs: [`d${e.from.d}`],
        outputs: [`d${e.to.d}`],
        columns: {
          [`d${e.to.d}`]: [
            {
              out: `f${e.to.f}`,
              from: [
                {
                  dataset: `d${e.from.d}`,
                  field: `f${e.from.f}`,
                  ...(e.type ? { type: e.type } : {}),
                },
              ],
            },
          ],
        },
      }),
    ),
  ),
  ...s.columnTags.map((t) => datasetClassified(name(t.col.d), [...t.tags], `f${t.col.f}`)),
  ...s.datasetTags.map((t) => datasetClassified(name(t.d), [...t.tags])),
];

/** Reference propagation: closures over plain adjacency lists. */
const reference = (s: Scenario) => {
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

const tagNames = (tags: readonly PiiTag[]): string[] => tags.map((t) => t.tag);

const observedColumnTags = async (store: LineageStore): Promise<Map<string, string[]>> => {
  const out = new Map<string, string[]>();
  for (let d = 0; d < datasets; d++) {
    for (const f of (await store.dataset(name(d)))?.fields ?? [])
      out.set(`d${d}.${f.name}`, tagNames(f.tags));
  }
  return out;
};

describe('PII propagation', () => {
  it('a column tag reaches every column derived from it through carrying column lineage, and no other', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const store = await storeWith(eventsOf(s));
        const ref = reference(s);
        expect(await observedColumnTags(store)).toEqual(ref.columnTags);
        for (let d = 0; d < datasets; d++) {
          const view = await store.dataset(name(d));
          if (view) expect(tagNames(view.tags)).toEqual(ref.datasetTags.get(d) ?? []);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('impact lists every downstream dataset and column with the tags flowing through the source', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const store = await storeWith(eventsOf(s));
        const ref = reference(s);
        const impact = await store.impact(name(s.source));
        const downstream = [...ref.reach(ref.datasetNext, s.source)].filter((d) => d !== s.source);
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
      { numRuns: 150 },
    );
  });
});
