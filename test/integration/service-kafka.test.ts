import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes } from '../../src/kafka/client.js';
import { removeDir, startServer, tempDir, tokenFor, type RunningServer } from '../support/cli.js';
import {
  connectAdmin,
  serviceTopics,
  testBrokers,
  testKafka,
  testRun,
  topicSettings,
} from '../support/kafka.js';
import { forgedCertificate, newAccessEvent } from '../support/new-events.js';
import { eventually } from '../support/eventually.js';

/**
 * The whole service consuming from the real Kafka broker: events produced to its topics appear
 * in GraphQL, bad messages in the dead-letter topic, a retention change made on the broker in the
 * configuration history, and signed checkpoints on the checkpoints topic, the last one signed at
 * shutdown included.
 */
const run = testRun;
const topics = serviceTopics(`gv-svc-${run}`);
/** The service's Kafka settings for these topics, in consumer group `groupId`. */
const kafkaEnv = (groupId: string): Record<string, string> => ({
  GOUVERNAIL_KAFKA_BROKERS: testBrokers.join(','),
  GOUVERNAIL_KAFKA_GROUP_ID: groupId,
  ...topicSettings(topics),
});

describe('the service on a real Kafka broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let dir: string;
  let server: RunningServer;
  let auditor: string;
  const consumers: Consumer[] = [];
  const serverEnv = {
    ...kafkaEnv(`gv-svc-${run}`),
    GOUVERNAIL_KAFKA_COLLECTOR_INTERVAL_MS: '1000',
    GOUVERNAIL_CHECKPOINT_INTERVAL_MS: '500',
  };

  const gql = async (query: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auditor}` },
      body: JSON.stringify({ query }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL answers are checked field by field
    return (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
  };
  const drain = async (
    topic: string,
    until: (values: string[]) => boolean,
  ): Promise<{ value: string; headers: Record<string, string> }[]> => {
    // A group of its own each time: every drain reads the topic from the beginning.
    const consumer = kafka.consumer({
      groupId: `gv-svc-reader-${run}-${topic}-${consumers.length}`,
    });
    consumers.push(consumer);
    const seen: { value: string; headers: Record<string, string> }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        seen.push({ value: message.value?.toString() ?? '', headers });
        return Promise.resolve();
      },
    });
    await eventually(`messages on ${topic}`, () =>
      Promise.resolve(until(seen.map((s) => s.value)) ? true : undefined),
    );
    return seen;
  };

  beforeAll(async () => {
    kafka = testKafka();
    admin = await connectAdmin(kafka);
    producer = kafka.producer();
    await producer.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: Object.values(topics).map((topic) => ({
        topic,
        numPartitions: 1,
        replicationFactor: 1,
      })),
    });
    dir = tempDir();
    server = await startServer(dir, serverEnv);
    auditor = await tokenFor(dir, 'auditor');
  }, 120_000);
  afterAll(async () => {
    await server.stop();
    for (const c of consumers) await c.disconnect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await Promise.all([producer.disconnect(), admin.disconnect()]);
    removeDir(dir);
  });

  it('records events produced to its topics, once, and dead-letters a malformed message with the reason', async () => {
    const good = newAccessEvent(`kafka-svc-${run}`, { resource: `kafka://prod/svc-${run}` });
    await producer.send({
      topic: topics.access,
      messages: [
        { value: JSON.stringify(good) },
        { value: JSON.stringify(good) },
        { key: 'bad', value: '{"id": oops' },
      ],
    });
    const rows = await eventually('the access row in GraphQL', async () => {
      const r = await gql(
        `{ accessHistory(resource: "kafka://prod/svc-${run}") { edges { node { eventId } } } }`,
      );
      const edges = r.data?.accessHistory?.edges as { node: { eventId: string } }[] | undefined;
      return edges && edges.length > 0 ? edges : undefined;
    });
    expect(rows.map((e) => e.node.eventId)).toEqual([good.id]);
    const forged = forgedCertificate(`forged-${run}`);
    await producer.send({ topic: topics.events, messages: [{ value: JSON.stringify(forged) }] });
    const dead = await drain(topics.dlq, (values) => values.length >= 2);
    const malformed = dead.find((d) => d.value === '{"id": oops')!;
    expect(malformed.headers['x-gouvernail-reason']).toMatch(/^malformed-json/);
    const refused = dead.find((d) => d.value.includes(`forged-${run}`))!;
    expect(refused.headers['x-gouvernail-reason']).toContain(
      'ErasureCertified is recorded by gouvernail itself',
    );
    // Each refused message is counted once, whichever step refused it.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const invalid = [
      ...metrics.matchAll(
        /^gouvernail_ingest_events_total\{[^}]*source="kafka"[^}]*outcome="invalid"[^}]*\} (\d+)/gm,
      ),
    ].reduce((n, m) => n + Number(m[1]), 0);
    expect(invalid).toBe(2);
  });

  interface ConfigChange {
    readonly eventId: string;
    readonly kind: string;
    readonly after: Record<string, unknown> | null;
  }
  const configHistory = async (target: string): Promise<ConfigChange[]> => {
    const r = await gql(
      `{ configHistory(component: "kafka", target: "${target}") { edges { node { eventId kind after } } } }`,
    );
    return ((r.data?.configHistory?.edges ?? []) as { node: ConfigChange }[]).map((e) => e.node);
  };
  /** Sets a topic's retention on the broker and waits for the collector to record it. */
  const retentionRecorded = async (topic: string, ms: string): Promise<ConfigChange> => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: [{ name: 'retention.ms', value: ms }],
        },
      ],
    });
    return eventually('the retention change in configHistory', async () =>
      (await configHistory(`topic/${topic}`)).find(
        (c) => c.kind === 'RETENTION' && c.after?.['retention.ms'] === ms,
      ),
    );
  };

  it('shows a retention change made on the broker in the configuration history', async () => {
    const change = await retentionRecorded(topics.events, '3600000');
    expect(change.after?.['retention.ms']).toBe('3600000');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const retention = /^gouvernail_kafka_config_changes_total\{kind="retention"\} (\d+)/m.exec(
      metrics,
    );
    expect(Number(retention?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('records no change after a restart because another producer recorded one for a topic', async () => {
    const target = `topic/${topics.lineage}`;
    const [collected] = await eventually('the collector to record the topic', async () => {
      const h = await configHistory(target);
      return h.length > 0 ? h : undefined;
    });
    const terraform = {
      id: `terraform-${run}`,
      type: 'ConfigChanged',
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      producer: 'terraform',
      actor: { principal: 'ci', role: 'admin' },
      subjects: [],
      data: {
        component: 'kafka',
        target,
        kind: 'retention',
        before: null,
        after: { 'retention.ms': 86400000 },
        changeRef: 'tf-plan-42',
      },
    };
    await producer.send({ topic: topics.config, messages: [{ value: JSON.stringify(terraform) }] });
    await eventually('the Terraform change in configHistory', async () =>
      (await configHistory(target)).some((c) => c.eventId === terraform.id) ? true : undefined,
    );
    await server.stop();
    server = await startServer(dir, serverEnv);
    // Recorded once the collector has polled since the restart.
    await retentionRecorded(topics.events, '7200000');
    expect((await configHistory(target)).map((c) => c.eventId)).toEqual([
      terraform.id,
      collected!.eventId,
    ]);
  });

  it('publishes signed checkpoints to the checkpoints topic for outside witnesses', async () => {
    const notes = await drain(topics.checkpoints, (values) => values.length >= 1);
    expect(notes[0]!.value).toMatch(
      /^gouvernail\.local\/audit-log\n\d+\n[A-Za-z0-9+/=]{44}\n\n— gouvernail\.local\/audit-log /,
    );
  });

  it('sends the checkpoint signed at shutdown to the topic, even when no other checkpoint was', async () => {
    // No timer checkpoint for an hour: only the one signed at shutdown covers this event.
    const quiet = tempDir();
    const once = await startServer(quiet, {
      ...kafkaEnv(`gv-svc-${run}-quiet`),
      GOUVERNAIL_CHECKPOINT_INTERVAL_MS: '3600000',
    });
    try {
      const res = await fetch(`${once.url}/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await tokenFor(quiet, 'producer')}`,
        },
        body: JSON.stringify([newAccessEvent(`shutdown-${run}`)]),
      });
      expect(res.status).toBe(200);
    } finally {
      await once.stop();
    }
    const db = new Database(join(quiet, 'log.sqlite'), { readonly: true });
    const last = db
      .prepare<[], { note: string; size: number }>(
        'SELECT note, size FROM checkpoints ORDER BY size DESC LIMIT 1',
      )
      .get()!;
    const entries = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM event_ids').get()!.n;
    db.close();
    removeDir(quiet);
    expect(last.size).toBe(entries);
    const notes = await drain(topics.checkpoints, (values) => values.includes(last.note));
    expect(notes.map((n) => n.value)).toContain(last.note);
  });
});
