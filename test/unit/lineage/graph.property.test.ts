import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  LineageDirection,
  LineageGraph,
  LineageNodeKind,
} from '../../../projections/lineage/ports.js';
import { lineageRunEvent } from '../../support/events.js';
import { minute, runEvent, storeWith } from './support.js';

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

describe('lineage walks', () => {
  it('equal a reference breadth-first search on random graphs, with cycles, at any depth, direction and instant', async () => {
    await fc.assert(
      fc.asyncProperty(graphArb, async ({ runs, start, direction, depth, asOf }) => {
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
        const store = await storeWith(events);
        const name = nodeName(start.kind, start.index);
        const got = await store.lineage({
          node: {
            kind: start.kind,
            namespace: start.kind === 'dataset' ? 'warehouse' : 'scheduler',
            name,
          },
          direction,
          depth,
          ...(asOf === undefined ? {} : { asOf: minute(asOf) }),
        });
        expect(normalise(got)).toEqual(
          reference(runs, {
            start: { kind: start.kind, name },
            direction,
            depth,
            ...(asOf === undefined ? {} : { asOf }),
          }),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('as of an instant, shows the graph as it was: edges first seen later are absent', async () => {
    const events = [
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
    ];
    const store = await storeWith(events);
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
  });

  it('refuses a bad depth or instant', async () => {
    const store = await storeWith([]);
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
  });
});
