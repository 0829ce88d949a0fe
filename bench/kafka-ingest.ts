/**
 * bench/kafka-ingest: how much of kafkajs' raw consume rate survives validation and the append.
 * Produces N ~1 KB AccessRecorded events (one personal field each, sealed on append) to a fresh
 * topic, then measures in the same run:
 *   (a) raw: a consumer group that only counts the messages;
 *   (b) ingest: Kafka → validate → seal, encode, hash, integrate, commit to the SQLite log → Kafka
 *       offset commit, with the projections (access history, config history, lineage) following the
 *       log; reports projection lag when ingest is done and the rate through to the read models.
 * Rates are measured from the first message handed to the handler to the last one done, so group
 * join time is left out of both.
 *
 *   npm run build && node dist/bench/kafka-ingest.js --events 50000 --partitions 3 --chunk 1000
 *   (or: npx vite-node bench/kafka-ingest.ts -- --events 50000)
 * Broker: GOUVERNAIL_TEST_KAFKA_BROKERS (default 127.0.0.1:9092; `bash scripts/services/up.sh kafka`).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Admin, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { loadOrCreateKek } from '../src/crypto/kek.js';
import { createSqliteKeyVault } from '../src/crypto/sqlite-key-vault.js';
import { createIngestor, type IngestResult, type Ingestor } from '../src/ingest/ingest.js';
import { createPreparePool } from '../src/ingest/prepare-pool.js';
import { KafkaClient, logLevel } from '../src/kafka/client.js';
import type { KafkaTopics } from '../src/kafka/config.js';
import { createKafkaIngest } from '../src/kafka/consumer.js';
import { kafkaMetrics } from '../src/kafka/metrics.js';
import { createSqliteEventLog } from '../src/log/sqlite/event-log.js';
import { createMetrics } from '../src/metrics.js';
import { createSqliteReadSide } from '../src/read-side.js';
import { benchAccessEvent, argNumber, fmt, tempDir } from './support.js';

const EVENTS = argNumber('events', 50_000);
const PARTITIONS = argNumber('partitions', 3);
const CHUNK = argNumber('chunk', 1000);
/** Worker threads sealing, encoding and hashing beside the committing thread, as the service runs (0: one thread). */
const WORKERS = argNumber('workers', 1);
const brokers = (process.env.GOUVERNAIL_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const quiet = pino({ level: 'warn' });

const event = (i: number) => benchAccessEvent(`kb-${run}-${i}`, i);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const until = async (
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs = 600_000,
): Promise<void> => {
  const t0 = Date.now();
  while (!(await done())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};

const produce = async (kafka: Kafka, topic: string): Promise<number> => {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let bytes = 0;
  const t0 = performance.now();
  const BATCH = 1000;
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < EVENTS; i += BATCH) {
    const messages = Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, j) => {
      const value = JSON.stringify(event(i + j));
      bytes += value.length;
      return { key: `k${(i + j) % 997}`, value };
    });
    inFlight.push(producer.send({ topic, acks: -1, messages }));
    if (inFlight.length >= 8) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - t0) / 1000;
  await producer.disconnect();
  console.log(
    `produce  ${fmt(EVENTS)} messages, mean ${fmt(bytes / EVENTS)} bytes, ${fmt(EVENTS / seconds)} msg/s`,
  );
  return bytes / EVENTS;
};

const rawConsume = async (kafka: Kafka, topic: string): Promise<number> => {
  const consumer = kafka.consumer({ groupId: `gv-bench-raw-${run}` });
  let count = 0;
  let first = 0;
  let last = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (first === 0) first = performance.now();
      count += batch.messages.length;
      last = performance.now();
      await Promise.resolve();
    },
  });
  await until('the raw consumer', () => count >= EVENTS);
  await consumer.disconnect();
  return EVENTS / ((last - first) / 1000);
};

interface EndToEnd {
  readonly rate: number;
  readonly appendMsPerChunk: number;
  readonly projections?: {
    readonly lagAtEnd: number;
    readonly catchUpMs: number;
    readonly rate: number;
  };
}

const endToEnd = async (
  kafka: Kafka,
  topics: KafkaTopics,
  withProjections: boolean,
): Promise<EndToEnd> => {
  const dir = tempDir('gv-bench-kafka-');
  const log = createSqliteEventLog({ file: join(dir.dir, 'log.sqlite') });
  const vault = createSqliteKeyVault({
    file: join(dir.dir, 'keys.sqlite'),
    kek: loadOrCreateKek({ dataDir: dir.dir }),
  });
  const metrics = createMetrics();
  const pool = WORKERS > 0 ? createPreparePool({ size: WORKERS }) : undefined;
  const real = createIngestor({
    log,
    vault,
    origin: 'bench.gouvernail/kafka',
    metrics,
    ...(pool ? { pool } : {}),
  });
  let first = 0;
  let appendMs = 0;
  let chunks = 0;
  /** Times each call into the real ingestor: the consumer uses `ingestValid`. */
  const timed =
    <A>(call: (events: A, source: string) => Promise<IngestResult>) =>
    async (events: A, source: string): Promise<IngestResult> => {
      if (first === 0) first = performance.now();
      const t = performance.now();
      const r = await call(events, source);
      appendMs += performance.now() - t;
      chunks += 1;
      return r;
    };
  const ingestor: Ingestor = {
    ingest: timed((e: readonly unknown[], s) => real.ingest(e, s)),
    ingestValid: timed((e: Parameters<Ingestor['ingestValid']>[0], s) => real.ingestValid(e, s)),
    countInvalid: (types, source) => {
      real.countInvalid(types, source);
    },
  };
  // As the service runs them: the lineage projection on its own thread.
  const readSide = createSqliteReadSide({
    dataDir: dir.dir,
    log,
    logger: quiet,
    lineageThread: { logFile: join(dir.dir, 'log.sqlite') },
  });
  if (withProjections) await readSide.runner.start();
  const committed = kafkaMetrics(metrics).committed;
  const committedCount = async (): Promise<number> =>
    (await committed.get()).values.reduce((s, v) => s + v.value, 0);
  const ingest = createKafkaIngest({
    kafka,
    config: {
      groupId: `gv-bench-ingest-${run}-${withProjections ? 'p' : 'n'}`,
      topics,
      maxMessageBytes: 1024 * 1024,
    },
    ingestor,
    metrics,
    log: quiet,
    chunkSize: CHUNK,
  });
  await ingest.start();
  await until('the ingest consumer', async () => (await committedCount()) >= EVENTS);
  const end = performance.now();
  let projections: EndToEnd['projections'];
  if (withProjections) {
    const lagAtEnd = Math.max(...(await readSide.runner.lag()).map((l) => l.behind));
    await until('the projections', async () =>
      (await readSide.runner.lag()).every((l) => l.behind === 0),
    );
    const projectedEnd = performance.now();
    projections = {
      lagAtEnd,
      catchUpMs: projectedEnd - end,
      rate: EVENTS / ((projectedEnd - first) / 1000),
    };
  }
  await ingest.stop();
  const size = await log.size();
  if (size !== EVENTS) throw new Error(`the log holds ${size} events, expected ${EVENTS}`);
  await readSide.close();
  await pool?.close();
  await vault.close();
  await log.close();
  dir.remove();
  return {
    rate: EVENTS / ((end - first) / 1000),
    appendMsPerChunk: appendMs / chunks,
    ...(projections ? { projections } : {}),
  };
};

const main = async (): Promise<void> => {
  const kafka = new KafkaClient({ clientId: `gv-bench-${run}`, brokers, logLevel: logLevel.ERROR });
  const admin: Admin = kafka.admin();
  await admin.connect();
  const topics: KafkaTopics = {
    access: `gv-bench-${run}-access`,
    config: `gv-bench-${run}-config`,
    lineage: `gv-bench-${run}-lineage`,
    events: `gv-bench-${run}-events`,
    dlq: `gv-bench-${run}-dlq`,
    checkpoints: `gv-bench-${run}-checkpoints`,
  };
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({
      topic,
      numPartitions: topic === topics.access ? PARTITIONS : 1,
    })),
  });
  console.log(
    `bench/kafka-ingest: ${fmt(EVENTS)} AccessRecorded events, ${PARTITIONS} partitions, chunks of ${CHUNK}, ${WORKERS} sealing worker(s), 3 partitions consumed at once, broker ${brokers.join(',')}`,
  );
  await produce(kafka, topics.access);
  const raw = await rawConsume(kafka, topics.access);
  console.log(`raw      kafkajs consume (count only): ${fmt(raw)} msg/s`);
  const e2e = await endToEnd(kafka, topics, false);
  console.log(
    `ingest   Kafka → validate → append (seal, encode, hash, integrate, fsync) → commit: ${fmt(e2e.rate)} events/s (append ${fmt(e2e.appendMsPerChunk, 1)} ms per chunk)`,
  );
  console.log(`ratio    ${fmt(e2e.rate / raw, 2)}   goal >= 0.5`);
  const withProjections = await endToEnd(kafka, topics, true);
  const p = withProjections.projections!;
  console.log(
    `ingest + projections following in the same process: ingest ${fmt(withProjections.rate)} events/s (ratio ${fmt(withProjections.rate / raw, 2)}); ` +
      `projection lag when ingest finished ${fmt(p.lagAtEnd)} events, caught up ${fmt(p.catchUpMs)} ms later; Kafka → read models ${fmt(p.rate)} events/s`,
  );
  await admin.deleteTopics({ topics: Object.values(topics) });
  await admin.disconnect();
};

await main();
