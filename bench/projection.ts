/**
 * bench/projection: can the read side keep up with the log? Appends a realistic mixed stream
 * (access ~60%, config ~10%, OpenLineage RunEvents ~30%) through the whole ingest path into a temp
 * SQLite log, then runs the three projections of the embedded read side (one read-model database)
 * from position 0 to the head; both rates are measured in the same run and compared.
 *
 *   npm run build && node dist/bench/projection.js [--events 50000] [--batch 1000] [--rounds 3]
 *     [--lineage-thread on|off]
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadOrCreateKek } from '../src/crypto/kek.js';
import { createSqliteKeyVault } from '../src/crypto/sqlite-key-vault.js';
import { createIngestor } from '../src/ingest/ingest.js';
import { createSqliteEventLog } from '../src/log/sqlite/event-log.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { createSqliteReadSide, projectionNames } from '../src/read-side.js';
import { generateLineageGraph, rng, runEventOf } from './graph-generator.js';
import { argNumber, argText, fmt, median, tempDir } from './support.js';

const EVENTS = argNumber('events', 50_000);
const BATCH = argNumber('batch', 1000);
const ROUNDS = argNumber('rounds', 3);
const ORIGIN = 'bench.gouvernail/log';
const SUBJECTS = 2000;
/** `on` (the service's default): the lineage projection on its own thread; `off`: all on one thread. */
const LINEAGE_THREAD = argText('lineage-thread', 'on');

const subjectOf = (i: number): string => `subj_bench${String(i % SUBJECTS).padStart(12, '0')}`;
const principals = [
  'User:analytics-svc',
  'User:etl-runner',
  'User:bi-dashboard',
  'User:fraud-model',
  'User:support-app',
];
const clusters = [
  'kafka://prod-eu',
  'kafka://prod-us',
  'mongodb://crm',
  'postgres://serving',
  's3://lake',
];

/** The mixed stream: deterministic, times one second apart. */
const makeEvents = (): {
  events: unknown[];
  mix: { access: number; config: number; lineage: number };
} => {
  const random = rng(11);
  const graph = generateLineageGraph({ datasets: 20_000, jobs: 10_000, seed: 5 });
  const settings = new Map<string, number>();
  const mix = { access: 0, config: 0, lineage: 0 };
  const events = Array.from({ length: EVENTS }, (_, i) => {
    const occurredAt = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
    const r = random();
    if (r < 0.6) {
      mix.access++;
      const subject = subjectOf(Math.floor(random() * SUBJECTS));
      const principal = `${principals[i % principals.length]!}-${i % 97}`;
      const denied = random() < 0.05;
      return {
        id: `acc-${i}`,
        type: 'AccessRecorded',
        schemaVersion: 1,
        occurredAt,
        producer: 'kafka-authorizer',
        actor: { principal, role: 'analyst' },
        subjects: [subject],
        personal: { [subject]: { email: `person${i % SUBJECTS}@example.com` } },
        data: {
          principal,
          resource: `${clusters[i % clusters.length]!}/${graph.datasets[Math.floor(random() * 2000)]!.name}`,
          action: random() < 0.8 ? 'read' : 'write',
          decision: denied ? 'denied' : 'allowed',
          mechanism: 'kafka-acl',
          clientAddress: `10.1.${i % 255}.${(i * 7) % 255}`,
          ...(denied ? { reason: 'no ACL grants READ on this topic' } : {}),
        },
      };
    }
    if (r < 0.7) {
      mix.config++;
      const target = `topic/${graph.datasets[Math.floor(random() * 2000)]!.name}`;
      const before = settings.get(target);
      const after = 3_600_000 * (1 + Math.floor(random() * 168));
      settings.set(target, after);
      return {
        id: `cfg-${i}`,
        type: 'ConfigChanged',
        schemaVersion: 1,
        occurredAt,
        producer: 'gitops-pipeline',
        actor: { principal: 'ops@example.org', role: 'admin' },
        data: {
          component: 'kafka',
          target,
          kind: 'retention',
          before:
            before === undefined
              ? null
              : { 'retention.ms': before, 'cleanup.policy': 'delete', partitions: 12 },
          after: { 'retention.ms': after, 'cleanup.policy': 'delete', partitions: 12 },
          changeRef: `MR-${i}`,
        },
      };
    }
    const n = mix.lineage++;
    const run = Math.floor(n / 2);
    return {
      id: `ol-${i}`,
      type: 'LineageRunEvent',
      schemaVersion: 1,
      occurredAt,
      producer: 'spark-openlineage',
      actor: { principal: 'spark', role: 'producer' },
      data: {
        kind: 'RunEvent',
        event: runEventOf(graph, run % graph.jobs.length, {
          run,
          eventType: n % 2 === 0 ? 'START' : 'COMPLETE',
          at: occurredAt,
          columns: true,
        }),
      },
    };
  });
  return { events, mix };
};

interface Round {
  readonly append: number;
  readonly project: number;
  readonly alone: Record<string, number>;
  /** CPU seconds of this process over wall seconds, per phase: below 1 means waiting (I/O, a busy machine). */
  readonly appendCpu: number;
  readonly projectCpu: number;
  /** Events per CPU second of this process, per phase: steadier than wall time on a shared machine. */
  readonly appendPerCpu: number;
  readonly projectPerCpu: number;
}

const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

const round = async (events: readonly unknown[]): Promise<Round> => {
  const dir = tempDir('gv-bench-proj-');
  const log = createSqliteEventLog({ file: join(dir.dir, 'log.sqlite') });
  const vault = createSqliteKeyVault({
    file: join(dir.dir, 'keys.sqlite'),
    kek: loadOrCreateKek({ dataDir: dir.dir }),
  });
  const ingestor = createIngestor({ log, vault, origin: ORIGIN, metrics: createMetrics() });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += BATCH) {
    const r = await ingestor.ingest(events.slice(i, i + BATCH), 'bench');
    if (r.status !== 'accepted')
      throw new Error(`bench batch rejected: ${JSON.stringify(r.rejected[0])}`);
  }
  const appendSeconds = (performance.now() - t0) / 1000;
  const appendCpuSeconds = cpuSeconds(c0);
  const appendCpu = appendCpuSeconds / appendSeconds;
  const append = events.length / appendSeconds;

  const readSide = createSqliteReadSide({
    dataDir: dir.dir,
    log,
    logger: createLogger('warn'),
    ...(LINEAGE_THREAD === 'on' ? { lineageThread: { logFile: join(dir.dir, 'log.sqlite') } } : {}),
  });
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  await readSide.runner.start();
  const projectSeconds = (performance.now() - t1) / 1000;
  const projectCpuSeconds = cpuSeconds(c1);
  const projectCpu = projectCpuSeconds / projectSeconds;
  const project = events.length / projectSeconds;
  await readSide.runner.stop();
  for (const lag of await readSide.runner.lag()) {
    if (lag.behind !== 0 || lag.headPosition !== events.length - 1)
      throw new Error(`${lag.name} stopped at ${lag.position} of ${lag.headPosition}`);
  }
  const alone: Record<string, number> = {};
  for (const name of projectionNames) {
    const t = performance.now();
    await readSide.runner.replay(name);
    alone[name] = events.length / ((performance.now() - t) / 1000);
  }
  await readSide.close();
  await vault.close();
  await log.close();
  dir.remove();
  return {
    append,
    project,
    alone,
    appendCpu,
    projectCpu,
    appendPerCpu: events.length / appendCpuSeconds,
    projectPerCpu: events.length / projectCpuSeconds,
  };
};

const main = async (): Promise<void> => {
  const { events, mix } = makeEvents();
  console.log(
    `bench/projection: ${fmt(EVENTS)} events (access ${fmt(mix.access)}, config ${fmt(mix.config)}, OpenLineage START/COMPLETE RunEvents with schema + columnLineage ${fmt(mix.lineage)}), ` +
      `appended in batches of ${BATCH} through createIngestor (one producer awaiting each batch, everything on one thread), then the projections of createSqliteReadSide from position 0 (lineage on its own thread: ${LINEAGE_THREAD})`,
  );
  const appends: number[] = [];
  const projects: number[] = [];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const appendsPerCpu: number[] = [];
  const projectsPerCpu: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const res = await round(events);
    appends.push(res.append);
    projects.push(res.project);
    ratios.push(res.project / res.append);
    appendsPerCpu.push(res.appendPerCpu);
    projectsPerCpu.push(res.projectPerCpu);
    cpuRatios.push(res.projectPerCpu / res.appendPerCpu);
    console.log(
      `  round ${r + 1}: append ${fmt(res.append)} events/s, three projections together ${fmt(res.project)} events/s; each alone (replay from 0): ` +
        Object.entries(res.alone)
          .map(([name, rate]) => `${name} ${fmt(rate)}`)
          .join(', ') +
        ` events/s; ratio ${fmt(res.project / res.append, 2)}` +
        `; CPU/wall: append ${fmt(res.appendCpu, 2)}, projections ${fmt(res.projectCpu, 2)}`,
    );
  }
  console.log(
    `projection: ${fmt(median(projects))} events/s (three projections to the head, median); append: ${fmt(median(appends))} events/s (median); ` +
      `ratio projection/append ${fmt(median(ratios), 2)} (median of per-round ratios; goal >= 1)`,
  );
  console.log(
    `CPU time: projection ${fmt(median(projectsPerCpu))} events per CPU-second, append ${fmt(median(appendsPerCpu))} (medians); ` +
      `ratio ${fmt(median(cpuRatios), 2)} (median of per-round ratios; CPU of this process, all threads)`,
  );
};

await main();
