/**
 * bench/lineage: depth-10 DOWNSTREAM lineage queries on a generated platform-sized graph in the
 * SQLite lineage store, next to a breadth-first walk of in-memory adjacency maps built from the same
 * edges and measured in the same run, start for start. Every SQLite answer is checked against the
 * in-memory one (same node set, same edge count).
 *
 *   npm run build && node dist/bench/lineage.js [--datasets 100000] [--jobs 50000] [--queries 1000] [--warmup 200] [--depth 10] [--columns 0]
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AuditEvent } from '../domain/catalogue.js';
import { lineageGraph } from '../projections/lineage/evolve.js';
import type { LineageChange, LineageGraph } from '../projections/lineage/ports.js';
import { createSqliteLineageStore } from '../projections/lineage/sqlite/store.js';
import { openSqlite } from '../src/log/sqlite/open.js';
import { generateLineageGraph, rng, runEventOf, type GeneratedGraph } from './graph-generator.js';
import { argNumber, fmt, percentile, tempDir } from './support.js';

const DATASETS = argNumber('datasets', 100_000);
const JOBS = argNumber('jobs', 50_000);
const QUERIES = argNumber('queries', 1000);
const WARMUP = argNumber('warmup', 200);
const DEPTH = argNumber('depth', 10);
const COLUMNS = argNumber('columns', 0) > 0;
const BATCH_JOBS = 1000;

const lineageEvent = (graph: GeneratedGraph, job: number): AuditEvent => {
  const at = new Date(Date.UTC(2026, 0, 1) + job * 1000).toISOString();
  return {
    id: `ol-${job}`,
    type: 'LineageRunEvent',
    schemaVersion: 1,
    occurredAt: at,
    recordedAt: at,
    producer: 'spark-openlineage',
    actor: { principal: 'spark', role: 'producer' },
    subjects: [],
    data: {
      kind: 'RunEvent',
      event: runEventOf(graph, job, { run: job, eventType: 'COMPLETE', at, columns: COLUMNS }),
    },
  } as unknown as AuditEvent;
};

/** One COMPLETE RunEvent per job, through the lineage projection, applied 1,000 jobs per batch. */
const build = async (graph: GeneratedGraph, store: ReturnType<typeof createSqliteLineageStore>) => {
  let changes = 0;
  const t0 = performance.now();
  for (let from = 0; from < graph.jobs.length; from += BATCH_JOBS) {
    const batch: LineageChange[] = [];
    const to = Math.min(graph.jobs.length, from + BATCH_JOBS);
    for (let j = from; j < to; j++)
      for (const c of lineageGraph.changesFor(lineageEvent(graph, j), j)) batch.push(c);
    changes += batch.length;
    await store.apply(batch, to - 1);
  }
  return { seconds: (performance.now() - t0) / 1000, changes };
};

interface Adjacency {
  /** dataset → jobs reading it */
  readonly readers: Map<number, number[]>;
  /** job → datasets it writes */
  readonly writes: Map<number, number[]>;
}

const adjacencyOf = (graph: GeneratedGraph): Adjacency => {
  const readers = new Map<number, number[]>();
  const writes = new Map<number, number[]>();
  graph.jobs.forEach((job, j) => {
    for (const d of job.inputs) {
      const list = readers.get(d);
      if (list) list.push(j);
      else readers.set(d, [j]);
    }
    writes.set(j, [...job.outputs]);
  });
  return { readers, writes };
};

/** Downstream of a dataset, `depth` dataset hops: the same walk as the store's, over the maps. */
const bfs = (
  adj: Adjacency,
  start: number,
  depth: number,
): { datasets: Set<number>; jobs: Set<number>; edges: number } => {
  const datasets = new Set([start]);
  const jobs = new Set<number>();
  let edges = 0;
  let frontier = [start];
  for (let hop = 0; hop < depth && frontier.length > 0; hop++) {
    const reached: number[] = [];
    for (const d of frontier) {
      for (const j of adj.readers.get(d) ?? []) {
        edges++;
        if (!jobs.has(j)) {
          jobs.add(j);
          reached.push(j);
        }
      }
    }
    const next: number[] = [];
    for (const j of reached) {
      for (const d of adj.writes.get(j) ?? []) {
        edges++;
        if (!datasets.has(d)) {
          datasets.add(d);
          next.push(d);
        }
      }
    }
    frontier = next;
  }
  return { datasets, jobs, edges };
};

const check = (
  graph: GeneratedGraph,
  start: number,
  got: LineageGraph,
  want: ReturnType<typeof bfs>,
): void => {
  const key = (kind: string, n: { namespace: string; name: string }): string =>
    `${kind}\u0000${n.namespace}\u0000${n.name}`;
  const expected = new Set([
    ...[...want.datasets].map((d) => key('dataset', graph.datasets[d]!)),
    ...[...want.jobs].map((j) => key('job', graph.jobs[j]!)),
  ]);
  const actual = new Set(got.nodes.map((n) => key(n.kind, n)));
  const same =
    actual.size === expected.size &&
    got.nodes.length === actual.size &&
    [...expected].every((k) => actual.has(k));
  if (!same || got.edges.length !== want.edges) {
    throw new Error(
      `wrong answer from ${graph.datasets[start]!.name}: SQLite ${actual.size} nodes / ${got.edges.length} edges, in-memory BFS ${expected.size} nodes / ${want.edges} edges`,
    );
  }
};

const main = async (): Promise<void> => {
  const t0 = performance.now();
  const graph = generateLineageGraph({ datasets: DATASETS, jobs: JOBS });
  console.log(`bench/lineage: graph generated in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  console.log(`  shape: ${graph.shape}`);
  const dir = tempDir('gv-bench-lineage-');
  const file = join(dir.dir, 'read-models.sqlite');
  const db = openSqlite(file);
  db.pragma('synchronous = NORMAL');
  const store = createSqliteLineageStore({ db });
  const built = await build(graph, store);
  db.pragma('wal_checkpoint(TRUNCATE)');
  console.log(
    `  build: ${fmt(graph.jobs.length)} COMPLETE RunEvents${COLUMNS ? ' (with columnLineage)' : ''} → ${fmt(built.changes)} changes through lineageGraph + store.apply in batches of ${BATCH_JOBS} jobs: ` +
      `${fmt(built.seconds, 1)} s (${fmt(graph.jobs.length / built.seconds)} events/s); read-model file ${fmt(statSync(file).size / 2 ** 20)} MiB`,
  );

  const adj = adjacencyOf(graph);
  const random = rng(7);
  const candidates = [...adj.readers.keys()];
  const starts = Array.from(
    { length: WARMUP + QUERIES },
    () => candidates[Math.floor(random() * candidates.length)]!,
  );
  const query = (d: number): Promise<LineageGraph> =>
    store.lineage({
      node: { kind: 'dataset', ...graph.datasets[d]! },
      direction: 'DOWNSTREAM',
      depth: DEPTH,
    });

  for (const s of starts.slice(0, WARMUP)) {
    await query(s);
    bfs(adj, s, DEPTH);
  }
  // the two passes run one after the other, so the garbage of one is not collected in the other's timings
  const measured = starts.slice(WARMUP);
  const answers: LineageGraph[] = [];
  const sqliteMs: number[] = [];
  for (const s of measured) {
    const a = performance.now();
    answers.push(await query(s));
    sqliteMs.push(performance.now() - a);
  }
  const memoryMs: number[] = [];
  const walks: ReturnType<typeof bfs>[] = [];
  for (const s of measured) {
    const a = performance.now();
    walks.push(bfs(adj, s, DEPTH));
    memoryMs.push(performance.now() - a);
  }
  measured.forEach((s, i) => {
    check(graph, s, answers[i]!, walks[i]!);
  });
  const sizes = answers.map((g) => g.nodes.length);
  const mean = sizes.reduce((x, y) => x + y, 0) / sizes.length;
  const p99 = percentile(sqliteMs, 99);
  const mp99 = percentile(memoryMs, 99);
  console.log(
    `  ${fmt(QUERIES)} start datasets drawn at random among the ${fmt(candidates.length)} read by at least one job (after ${fmt(WARMUP)} warm-up queries); ` +
      `every SQLite answer checked against the in-memory BFS: same node set and edge count (${fmt(QUERIES)}/${fmt(QUERIES)} equal)`,
  );
  console.log(
    `  result size (datasets + jobs): p50 ${fmt(percentile(sizes, 50))}, p90 ${fmt(percentile(sizes, 90))}, max ${fmt(Math.max(...sizes))} of ${fmt(graph.datasets.length + graph.jobs.length)} nodes`,
  );
  console.log(
    `lineage depth-${DEPTH} downstream: p50 ${fmt(percentile(sqliteMs, 50), 2)} ms, p99 ${fmt(p99, 2)} ms (goal p99 < 50 ms); ` +
      `in-memory BFS: p50 ${fmt(percentile(memoryMs, 50), 3)} ms, p99 ${fmt(mp99, 3)} ms; ratio p99 sqlite/memory ${fmt(p99 / mp99, 1)}; ` +
      `mean result ${fmt(mean)} nodes, p99 result ${fmt(percentile(sizes, 99))} nodes`,
  );
  db.close();
  dir.remove();
};

await main();
