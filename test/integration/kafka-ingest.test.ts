/**
 * Kafka ingest against a real broker (GOUVERNAIL_TEST_KAFKA_BROKERS, default 127.0.0.1:9092; start
 * one with `bash scripts/services/up.sh kafka`). Fails, never skips, when no broker answers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, IHeaders, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendHeadersWithJavaProducer, sendWithJavaProducer } from '../support/java-producer.js';
import { connectAdmin, testBrokers, testKafka, testLogger, testRun } from '../support/kafka.js';
import { validateOpenLineage } from '../../domain/openlineage.js';
import { loadOrCreateKek } from '../../src/crypto/kek.js';
import { createSqliteKeyVault } from '../../src/crypto/sqlite-key-vault.js';
import { createIngestor, type Ingestor } from '../../src/ingest/ingest.js';
import { openLineageEnvelope } from '../../src/ingest/openlineage-envelope.js';
import type { KafkaTopics } from '../../src/kafka/config.js';
import {
  createKafkaIngest,
  deadLetterHeaders,
  type KafkaIngest,
} from '../../src/kafka/consumer.js';
import { publishCheckpoints } from '../../src/kafka/checkpoints.js';
import { createConsumerLagMonitor } from '../../src/kafka/lag.js';
import { createSqliteEventLog, type SqliteEventLog } from '../../src/log/sqlite/event-log.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import type { KeyVault } from '../../src/crypto/key-vault.js';

const run = testRun;
const log = testLogger;
const kafka: Kafka = testKafka();

const topicsFor = (name: string): KafkaTopics => ({
  access: `gv-${run}-${name}-access`,
  config: `gv-${run}-${name}-config`,
  lineage: `gv-${run}-${name}-lineage`,
  events: `gv-${run}-${name}-events`,
  dlq: `gv-${run}-${name}-dlq`,
  checkpoints: `gv-${run}-${name}-checkpoints`,
});

const BIG = String(3 * 1024 * 1024);
const inputs = (t: KafkaTopics): string[] => [t.access, t.config, t.lineage, t.events];

let admin: Admin;
let producer: Producer;

const createTopics = async (
  t: KafkaTopics,
  partitions = 3,
  /** Leave the dead-letter topic at the broker's default message size (1 MiB). */
  defaultDlq = false,
): Promise<void> => {
  await admin.createTopics({
    waitForLeaders: true,
    topics: [...inputs(t), t.dlq, t.checkpoints].map((topic) => ({
      topic,
      numPartitions: topic === t.access ? partitions : 1,
      configEntries:
        defaultDlq && topic === t.dlq ? [] : [{ name: 'max.message.bytes', value: BIG }],
    })),
  });
};

interface Store {
  readonly dir: string;
  readonly log: SqliteEventLog;
  readonly vault: KeyVault;
  readonly metrics: Metrics;
  readonly ingestor: Ingestor;
  close(): Promise<void>;
}

const openStore = (): Store => {
  const dir = mkdtempSync(join(tmpdir(), 'gv-kafka-'));
  const eventLog = createSqliteEventLog({ file: join(dir, 'log.sqlite') });
  const vault = createSqliteKeyVault({
    file: join(dir, 'keys.sqlite'),
    kek: loadOrCreateKek({ dataDir: dir }),
  });
  const metrics = createMetrics();
  const ingestor = createIngestor({
    log: eventLog,
    vault,
    origin: 'test.gouvernail/kafka',
    metrics,
  });
  return {
    dir,
    log: eventLog,
    vault,
    metrics,
    ingestor,
    close: async () => {
      await vault.close();
      await eventLog.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const waitFor = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> => {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

const lagMonitor = (groupId: string, t: KafkaTopics, metrics: Metrics) =>
  createConsumerLagMonitor({ admin, groupId, topics: inputs(t), intervalMs: 5000, metrics, log });

const caughtUp = async (groupId: string, t: KafkaTopics, metrics: Metrics): Promise<void> => {
  const monitor = lagMonitor(groupId, t, metrics);
  await waitFor(`group ${groupId} to commit everything`, async () => {
    const lags = await monitor.measure();
    return lags.length > 0 && lags.every((l) => l.lag === 0) ? true : undefined;
  });
};

/** A consumer of the group on the store's log, with the settings every test here uses. */
const consumerFor = (
  store: Pick<Store, 'metrics'>,
  groupId: string,
  t: KafkaTopics,
  chunkSize: number,
  ingestor: Ingestor,
): KafkaIngest =>
  createKafkaIngest({
    kafka,
    config: { groupId, topics: t, maxMessageBytes: 1024 * 1024 },
    ingestor,
    metrics: store.metrics,
    log,
    chunkSize,
  });

/** Runs a consumer of the group until it has committed every message, then stops it. */
const consumeAll = async (
  store: Store,
  groupId: string,
  t: KafkaTopics,
  chunkSize: number,
): Promise<void> => {
  const consumer = consumerFor(store, groupId, t, chunkSize, store.ingestor);
  await consumer.start();
  try {
    await caughtUp(groupId, t, store.metrics);
  } finally {
    await consumer.stop();
  }
};

const ids = async (l: SqliteEventLog): Promise<string[]> =>
  (await l.read(0, 1_000_000)).map((e) => e.event.id);

const subject = (i: number): string => `subj_kafkatest${String(i).padStart(8, '0')}`;

const access = (id: string, i = 0, overrides: Record<string, unknown> = {}) => ({
  id,
  type: 'AccessRecorded',
  schemaVersion: 1,
  occurredAt: '2026-11-20T10:00:00.000Z',
  producer: 'kafka-authorizer',
  actor: { principal: `User:u${i % 5}`, role: 'analyst' },
  subjects: i % 10 === 0 ? [subject(i)] : [],
  ...(i % 10 === 0 ? { personal: { [subject(i)]: { email: `p${i}@example.com` } } } : {}),
  data: {
    principal: `User:u${i % 5}`,
    resource: `kafka://prod/t${i % 4}`,
    action: 'read',
    decision: 'allowed',
    mechanism: 'kafka-acl',
  },
  ...overrides,
});

const configChanged = (id: string) => ({
  id,
  type: 'ConfigChanged',
  schemaVersion: 1,
  occurredAt: '2026-11-20T10:00:00.000Z',
  producer: 'terraform',
  actor: { principal: 'ci', role: 'admin' },
  data: {
    component: 'mongodb',
    target: 'db/orders',
    kind: 'setting',
    before: { a: 1 },
    after: { a: 2 },
  },
});

const classified = (id: string, n: number) => ({
  id,
  type: 'DatasetClassified',
  schemaVersion: 1,
  occurredAt: '2026-11-20T10:00:00.000Z',
  producer: 'classifier',
  actor: { principal: 'dpo-bot', role: 'dpo' },
  data: { dataset: { namespace: 'mongodb://prod', name: `customers${n}` }, tags: ['pii.email'] },
});

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join('test/fixtures/openlineage', name), 'utf8'));
const olId = (ol: unknown): string => {
  const v = validateOpenLineage(ol);
  if (!v.ok) throw new Error(`fixture invalid: ${JSON.stringify(v.error)}`);
  return openLineageEnvelope(v.value, 'x').id;
};

const send = async (topic: string, messages: Message[]): Promise<void> => {
  for (let i = 0; i < messages.length; i += 500)
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
};

const readAll = async (topic: string, count: number): Promise<KafkaMessage[]> => {
  const consumer = kafka.consumer({ groupId: `gv-${run}-reader-${topic}` });
  const got: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message);
        await Promise.resolve();
      },
    });
    await waitFor(`${count} messages on ${topic}`, () =>
      Promise.resolve(got.length >= count ? true : undefined),
    );
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await consumer.disconnect();
  }
  return got;
};

const headerText = (h: IHeaders | undefined, key: string): string | undefined => {
  const v = h?.[key];
  return v === undefined ? undefined : Array.isArray(v) ? String(v[0]) : String(v);
};

beforeAll(async () => {
  admin = await connectAdmin(kafka);
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
});

describe('Kafka ingest', () => {
  it('appends every valid event exactly once and dead-letters every invalid message with its original bytes and the reason', async () => {
    const t = topicsFor('mix');
    await createTopics(t);
    const store = openStore();
    const groupId = `gv-${run}-mix`;
    const expected = new Set<string>();

    const accessMessages: Message[] = [];
    for (let i = 0; i < 200; i++) {
      const id = `a-${i}`;
      expected.add(id);
      accessMessages.push({ key: `k${i % 7}`, value: json(access(id, i)) });
    }
    // Redelivered and re-sent duplicates: same ids again.
    for (let i = 0; i < 20; i++)
      accessMessages.push({ key: `k${i % 7}`, value: json(access(`a-${i}`, i)) });
    const badJson = {
      key: Buffer.from('bad-key'),
      value: Buffer.from('{"id": "broken", "type": '),
      headers: { 'trace-id': 'abc-123' },
    };
    const schemaInvalid = {
      key: 'k1',
      value: json(
        access('bad-action', 1, {
          data: {
            principal: 'p',
            resource: 'kafka://a/b',
            action: 'steal',
            decision: 'allowed',
            mechanism: 'm',
          },
        }),
      ),
    };
    const wrongType = { key: 'k2', value: json(configChanged('misrouted')) };
    accessMessages.push(badJson, schemaInvalid, wrongType);

    const configMessages: Message[] = [];
    for (let i = 0; i < 5; i++) {
      expected.add(`c-${i}`);
      configMessages.push({ value: json(configChanged(`c-${i}`)) });
    }
    const notUtf8 = { key: 'bin', value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) };
    configMessages.push(notUtf8);

    const eventsMessages: Message[] = [];
    for (let i = 0; i < 5; i++) {
      expected.add(`d-${i}`);
      eventsMessages.push({ value: json(classified(`d-${i}`, i)) });
    }
    eventsMessages.push({ value: json(access('a-0', 0)) }); // duplicate across topics
    const oversized = {
      key: 'huge',
      value: json(
        access('huge', 3, {
          producer: 'x'.repeat(100),
          data: {
            principal: 'p',
            resource: 'kafka://a/b',
            action: 'read',
            decision: 'allowed',
            mechanism: 'm',
            reason: 'y'.repeat(1_200_000),
          },
        }),
      ),
    };
    const tombstone = { key: 'gone', value: null };
    eventsMessages.push(oversized, tombstone);

    const lineage = [
      'run-start.json',
      'run-complete.json',
      'dataset-event.json',
      'job-event.json',
    ].map(fixture);
    for (const ol of lineage) expected.add(olId(ol));
    const invalidOl = {
      key: 'ol-bad',
      value: Buffer.from(readFileSync('test/fixtures/openlineage/invalid/bad-uuid.json')),
    };
    const lineageMessages: Message[] = [
      ...lineage.map((ol) => ({ value: json(ol) })),
      { value: json(lineage[0]) },
      invalidOl,
    ];

    await send(t.access, accessMessages);
    await send(t.config, configMessages);
    await send(t.events, eventsMessages);
    await send(t.lineage, lineageMessages);

    const lagBefore = await lagMonitor(groupId, t, store.metrics).measure();
    expect(lagBefore.reduce((s, l) => s + l.lag, 0)).toBe(
      accessMessages.length +
        configMessages.length +
        eventsMessages.length +
        lineageMessages.length,
    );

    await consumeAll(store, groupId, t, 50);

    const logged = await ids(store.log);
    expect(new Set(logged)).toEqual(expected);
    expect(logged).toHaveLength(expected.size);

    const dead = [
      { topic: t.access, sent: badJson, reason: 'malformed-json: ' },
      { topic: t.access, sent: schemaInvalid, reason: 'invalid-event: /data/action' },
      {
        topic: t.access,
        sent: wrongType,
        reason: `wrong-topic: topic '${t.access}' carries AccessRecorded events, got ConfigChanged`,
      },
      { topic: t.config, sent: notUtf8, reason: 'malformed-json: the value is not valid UTF-8' },
      { topic: t.events, sent: oversized, reason: 'oversized: the value is' },
      { topic: t.events, sent: tombstone, reason: 'empty: ' },
      { topic: t.lineage, sent: invalidOl, reason: 'invalid-openlineage: /run/runId' },
    ];
    const letters = await readAll(t.dlq, dead.length);
    expect(letters).toHaveLength(dead.length);
    for (const d of dead) {
      const key = d.sent.key === undefined ? null : Buffer.from(d.sent.key);
      const letter = letters.find(
        (m) =>
          headerText(m.headers, deadLetterHeaders.topic) === d.topic &&
          (key === null ? m.key === null : m.key?.equals(key)),
      );
      expect(letter, `dead letter for ${String(d.sent.key)}`).toBeDefined();
      const value = d.sent.value === null ? null : Buffer.from(d.sent.value);
      if (value === null) expect(letter!.value === null || letter!.value.length === 0).toBe(true);
      else expect(letter!.value?.equals(value)).toBe(true);
      expect(headerText(letter!.headers, deadLetterHeaders.reason)).toContain(d.reason);
      expect(headerText(letter!.headers, deadLetterHeaders.partition)).toMatch(/^\d+$/);
      expect(headerText(letter!.headers, deadLetterHeaders.offset)).toMatch(/^\d+$/);
    }
    const withTrace = letters.find((m) => m.key?.equals(Buffer.from('bad-key')));
    expect(headerText(withTrace!.headers, 'trace-id')).toBe('abc-123');

    const dlqMetric = await store.metrics.registry
      .getSingleMetric('gouvernail_kafka_dlq_total')!
      .get();
    const count = (topic: string, reason: string): number =>
      dlqMetric.values.find((v) => v.labels.topic === topic && v.labels.reason === reason)?.value ??
      0;
    expect(count(t.access, 'malformed-json')).toBe(1);
    expect(count(t.events, 'oversized')).toBe(1);
    expect(count(t.lineage, 'invalid-openlineage')).toBe(1);

    const monitor = lagMonitor(groupId, t, store.metrics);
    await monitor.measure();
    const lagMetric = await store.metrics.registry
      .getSingleMetric('gouvernail_kafka_consumer_lag')!
      .get();
    expect(lagMetric.values.filter((v) => v.labels.topic === t.access)).toHaveLength(3);
    expect(lagMetric.values.every((v) => v.value === 0)).toBe(true);
    await store.close();
  });

  it('reads batches a Java producer compressed with snappy, lz4 and zstd', async () => {
    const t = topicsFor('codecs');
    await createTopics(t, 1);
    const store = openStore();
    const codecs = ['snappy', 'lz4', 'zstd'] as const;
    for (const codec of codecs)
      await sendWithJavaProducer(
        testBrokers,
        t.access,
        codec,
        [0, 1, 2].map((i) => JSON.stringify(access(`${codec}-${i}`, i))),
      );
    await consumeAll(store, `gv-${run}-codecs`, t, 50);
    expect((await ids(store.log)).sort()).toEqual(
      codecs.flatMap((c) => [0, 1, 2].map((i) => `${c}-${i}`)).sort(),
    );
    await store.close();
  }, 120_000);

  it('dead-letters a message whose id is taken by a stored event with other content', async () => {
    const t = topicsFor('conflict');
    await createTopics(t, 1);
    const store = openStore();
    const first = access('same-id', 1);
    const other = access('same-id', 2);
    await send(t.events, [{ value: json(first) }, { value: json(first) }, { value: json(other) }]);
    await consumeAll(store, `gv-${run}-conflict`, t, 50);
    expect(await ids(store.log)).toEqual(['same-id']);
    const [letter] = await readAll(t.dlq, 1);
    expect(letter!.value?.equals(json(other))).toBe(true);
    expect(headerText(letter!.headers, deadLetterHeaders.reason)).toMatch(
      /^id-conflict: id same-id is already in the log at position 0 with other content/,
    );
    await store.close();
  }, 120_000);

  it('keeps going when a dead letter is too large for the dead-letter topic: it goes as a stub', async () => {
    const t = topicsFor('dlq-limit');
    await createTopics(t, 1, true);
    const store = openStore();
    const huge = Buffer.from(`{"bad":"${'x'.repeat(1_200_000)}"}`);
    await send(t.events, [{ key: 'huge', value: huge }, { value: json(access('after-huge', 1)) }]);
    await consumeAll(store, `gv-${run}-dlq-limit`, t, 50);
    expect(await ids(store.log)).toEqual(['after-huge']);
    const [stub] = await readAll(t.dlq, 1);
    expect(stub!.value === null || stub!.value.length === 0).toBe(true);
    expect(headerText(stub!.headers, deadLetterHeaders.reason)).toMatch(/^oversized: /);
    expect(headerText(stub!.headers, deadLetterHeaders.valueBytes)).toBe(String(huge.length));
    expect(headerText(stub!.headers, deadLetterHeaders.offset)).toBe('0');
    await store.close();
  }, 120_000);

  it('dead-letters a message with a header without value, or named constructor, toString or __proto__, and goes on with its partition', async () => {
    const t = topicsFor('odd-headers');
    await createTopics(t, 1);
    const store = openStore();
    await sendHeadersWithJavaProducer(testBrokers, t.access, 0, 'not json, null header', [
      ['tag', 'null-header'],
      ['trace', null],
    ]);
    const named = JSON.parse(
      '{"tag":"prototype-names","constructor":"C","toString":"T","__proto__":"P"}',
    ) as IHeaders;
    await send(t.access, [
      { value: 'not json, prototype names', headers: named },
      { value: json(access('after-odd-headers', 1)) },
    ]);
    await consumeAll(store, `gv-${run}-odd-headers`, t, 50);
    expect(await ids(store.log)).toEqual(['after-odd-headers']);

    // kafkajs reads these names back with Object.prototype's member in front: keep the bytes only.
    const sent = (m: KafkaMessage): Record<string, string[]> =>
      Object.fromEntries(
        Object.entries(m.headers ?? {}).map(([k, v]) => [
          k,
          (Array.isArray(v) ? (v as unknown[]) : [v])
            .filter((x) => Buffer.isBuffer(x))
            .map((x) => x.toString()),
        ]),
      );
    const letters = (await readAll(t.dlq, 2)).map(sent);
    const nullHeader = letters.find((h) => h.tag?.[0] === 'null-header');
    expect(nullHeader).toMatchObject({
      trace: [''],
      [deadLetterHeaders.nullHeaders]: ['{"trace":[0]}'],
      [deadLetterHeaders.offset]: ['0'],
    });
    expect(nullHeader?.[deadLetterHeaders.reason]?.[0]).toMatch(/^malformed-json: /);
    const prototypeNames = letters.find((h) => h.tag?.[0] === 'prototype-names');
    expect(prototypeNames).toMatchObject({
      constructor: ['C'],
      toString: ['T'],
      ['__proto__']: ['P'],
      [deadLetterHeaders.offset]: ['1'],
    });
    expect(prototypeNames?.[deadLetterHeaders.reason]?.[0]).toMatch(/^malformed-json: /);
    await store.close();
  }, 120_000);

  it('loses and repeats nothing when the consumer dies after an append but before its commit', async () => {
    const t = topicsFor('crash');
    await createTopics(t);
    const store = openStore();
    const groupId = `gv-${run}-crash`;
    const total = 2000;
    await send(
      t.access,
      Array.from({ length: total }, (_, i) => ({
        key: `k${i}`,
        value: json(access(`crash-${i}`, i)),
      })),
    );

    // The first consumer appends its 4th chunk, then "dies": nothing after that is appended or committed.
    let calls = 0;
    let dead = false;
    const dying: Ingestor = {
      ingest: () => Promise.reject(new Error('the consumer validates messages itself')),
      ingestValid: async (events, source) => {
        if (dead) throw new Error('process is dead');
        // Partitions are consumed concurrently: take this call's number before awaiting, or
        // another call can move the counter past 4 meanwhile and nobody ever "dies".
        const call = ++calls;
        const r = await store.ingestor.ingestValid(events, source);
        if (call === 4) {
          dead = true;
          throw new Error('crash after append, before commit');
        }
        return r;
      },
      countInvalid: (types, source) => {
        store.ingestor.countInvalid(types, source);
      },
    };
    const first = consumerFor(store, groupId, t, 100, dying);
    await first.start();
    await waitFor('the first consumer to crash', () => Promise.resolve(dead ? true : undefined));
    await first.stop();

    const appendedBeforeRestart = await store.log.size();
    const committed = (
      await admin.fetchOffsets({ groupId, topics: [t.access] })
    )[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(appendedBeforeRestart); // the crashed chunk is in the log but not committed
    expect(appendedBeforeRestart).toBeLessThan(total);

    await consumeAll(store, groupId, t, 100);

    const logged = await ids(store.log);
    expect(logged).toHaveLength(total);
    expect(new Set(logged).size).toBe(total);
    const ingested = await store.metrics.registry
      .getSingleMetric('gouvernail_ingest_events_total')!
      .get();
    const duplicates = ingested.values
      .filter((v) => v.labels.outcome === 'duplicate')
      .reduce((s, v) => s + v.value, 0);
    expect(duplicates).toBe(appendedBeforeRestart - committed); // exactly the redelivered, already appended ones
    await store.close();
  });

  it('stops gracefully mid-stream and resumes where it committed', async () => {
    const t = topicsFor('stop');
    await createTopics(t, 2);
    const store = openStore();
    const groupId = `gv-${run}-stop`;
    const total = 3000;
    await send(
      t.access,
      Array.from({ length: total }, (_, i) => ({
        key: `k${i}`,
        value: json(access(`stop-${i}`, i)),
      })),
    );
    const ingest = consumerFor(store, groupId, t, 50, store.ingestor);
    await ingest.start();
    await waitFor('some events appended', async () =>
      (await store.log.size()) > 0 ? true : undefined,
    );
    await ingest.stop();
    const size = await store.log.size();
    const committed = (
      await admin.fetchOffsets({ groupId, topics: [t.access] })
    )[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBe(size); // the batch in flight finished and was committed before leaving

    await consumeAll(store, groupId, t, 50);
    const logged = await ids(store.log);
    expect(logged).toHaveLength(total);
    expect(new Set(logged).size).toBe(total);
    await store.close();
  });

  it('publishes each new signed checkpoint to the checkpoints topic, keyed by origin', async () => {
    const t = topicsFor('ckpt');
    await createTopics(t, 1);
    const sink = publishCheckpoints({ producer, topic: t.checkpoints, log });
    const note = (size: number): string =>
      `test.gouvernail/kafka\n${size}\nroot${size}=\n\n— test.gouvernail/kafka sig${size}=\n`;
    await sink.onCheckpoint(note(1));
    await sink.onCheckpoint(note(1));
    await sink.onCheckpoint(note(2));
    const got = await readAll(t.checkpoints, 2);
    expect(got.map((m) => m.value?.toString())).toEqual([note(1), note(2)]);
    expect(got.map((m) => m.key?.toString())).toEqual([
      'test.gouvernail/kafka',
      'test.gouvernail/kafka',
    ]);
  });
});
