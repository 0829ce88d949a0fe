/**
 * The service on the real broker's secured listeners, configured only through the GOUVERNAIL_KAFKA_*
 * variables, as a user would: SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, SASL over TLS checked
 * against a CA file, and TLS with a client certificate. `scripts/services/up.sh kafka` starts these
 * listeners next to PLAINTEXT and describes them in .ci/svc/kafka/run/security.env
 * (GOUVERNAIL_TEST_KAFKA_SECURITY names another file). The test itself sets up topics, produces and
 * reads over PLAINTEXT (GOUVERNAIL_TEST_KAFKA_BROKERS). Fails, never skips, when a listener does not
 * answer.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  ResourcePatternTypes,
} from '../../src/kafka/client.js';
import { cli, removeDir, startServer, tempDir, tokenFor } from '../support/cli.js';
import {
  connectAdmin,
  securedListeners,
  serviceTopics,
  testKafka,
  testRun,
  topicSettings,
  type SecuredListeners,
} from '../support/kafka.js';
import { newAccessEvent } from '../support/new-events.js';
import { eventually } from '../support/eventually.js';

const run = testRun;
let secured: SecuredListeners;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const consumers: Consumer[] = [];
const dirs: string[] = [];

const topicsOf = (name: string) => serviceTopics(`gv-sec-${run}-${name}`);

/** Everything but the connection settings: this case's topics and consumer group. */
const serviceEnv = (name: string): Record<string, string> => ({
  GOUVERNAIL_KAFKA_GROUP_ID: `gv-sec-${run}-${name}`,
  ...topicSettings(topicsOf(name)),
});

const firstMessage = async (topic: string): Promise<string> => {
  const consumer = kafka.consumer({ groupId: `gv-sec-reader-${run}-${topic}` });
  consumers.push(consumer);
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      seen.push(message.value?.toString() ?? '');
      return Promise.resolve();
    },
  });
  return eventually(`a message on ${topic}`, () => Promise.resolve(seen[0]));
};

/** The settings a user writes for each way of logging in; `s` is read once the broker is known. */
const connections: [string, (s: SecuredListeners) => Record<string, string>][] = [
  [
    'sasl-plain',
    (s) => ({
      GOUVERNAIL_KAFKA_BROKERS: s.saslPlaintext,
      GOUVERNAIL_KAFKA_SASL_MECHANISM: 'plain',
      GOUVERNAIL_KAFKA_SASL_USERNAME: s.username,
      GOUVERNAIL_KAFKA_SASL_PASSWORD: s.password,
    }),
  ],
  [
    'sasl-scram-sha-256',
    (s) => ({
      GOUVERNAIL_KAFKA_BROKERS: s.saslPlaintext,
      GOUVERNAIL_KAFKA_SASL_MECHANISM: 'scram-sha-256',
      GOUVERNAIL_KAFKA_SASL_USERNAME: s.username,
      GOUVERNAIL_KAFKA_SASL_PASSWORD: s.password,
    }),
  ],
  [
    'sasl-scram-sha-512',
    (s) => ({
      GOUVERNAIL_KAFKA_BROKERS: s.saslPlaintext,
      GOUVERNAIL_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      GOUVERNAIL_KAFKA_SASL_USERNAME: s.username,
      GOUVERNAIL_KAFKA_SASL_PASSWORD: s.password,
    }),
  ],
  [
    'tls-ca-sasl-scram-sha-512',
    (s) => ({
      GOUVERNAIL_KAFKA_BROKERS: s.saslSsl,
      GOUVERNAIL_KAFKA_TLS: 'true',
      GOUVERNAIL_KAFKA_TLS_CA_FILE: s.caFile,
      GOUVERNAIL_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      GOUVERNAIL_KAFKA_SASL_USERNAME: s.username,
      GOUVERNAIL_KAFKA_SASL_PASSWORD: s.password,
    }),
  ],
  [
    'tls-ca-sasl-plain',
    (s) => ({
      GOUVERNAIL_KAFKA_BROKERS: s.saslSsl,
      GOUVERNAIL_KAFKA_TLS: 'true',
      GOUVERNAIL_KAFKA_TLS_CA_FILE: s.caFile,
      GOUVERNAIL_KAFKA_SASL_MECHANISM: 'plain',
      GOUVERNAIL_KAFKA_SASL_USERNAME: s.username,
      GOUVERNAIL_KAFKA_SASL_PASSWORD: s.password,
    }),
  ],
  [
    'tls-client-certificate',
    (s) => ({
      GOUVERNAIL_KAFKA_BROKERS: s.ssl,
      GOUVERNAIL_KAFKA_TLS: 'true',
      GOUVERNAIL_KAFKA_TLS_CA_FILE: s.caFile,
      GOUVERNAIL_KAFKA_TLS_CERT_FILE: s.certFile,
      GOUVERNAIL_KAFKA_TLS_KEY_FILE: s.keyFile,
    }),
  ],
];

beforeAll(async () => {
  secured = securedListeners();
  kafka = testKafka();
  admin = await connectAdmin(kafka);
  producer = kafka.producer();
  await producer.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: connections.flatMap(([name]) =>
      Object.values(topicsOf(name)).map((topic) => ({ topic, numPartitions: 1 })),
    ),
  });
}, 120_000);

afterAll(async () => {
  for (const c of consumers) await c.disconnect();
  await admin
    .deleteTopics({ topics: connections.flatMap(([name]) => Object.values(topicsOf(name))) })
    .catch(() => undefined);
  await Promise.all([producer.disconnect(), admin.disconnect()]);
  for (const d of dirs) removeDir(d);
});

describe.each(connections)('the service logging in with %s', (name, settings) => {
  it('ingests produced events, publishes checkpoints and collects topic configs and ACLs', async () => {
    const topics = topicsOf(name);
    const dir = tempDir();
    dirs.push(dir);
    const server = await startServer(dir, {
      ...settings(secured),
      ...serviceEnv(name),
      GOUVERNAIL_KAFKA_COLLECTOR_INTERVAL_MS: '1000',
      GOUVERNAIL_CHECKPOINT_INTERVAL_MS: '500',
    });
    try {
      const auditor = await tokenFor(dir, 'auditor');
      const gql = async (query: string) => {
        const res = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${auditor}` },
          body: JSON.stringify({ query }),
        });
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL answers are checked field by field
        return (await res.json()) as { data?: Record<string, any> };
      };
      const history = async (target: string) => {
        const r = await gql(
          `{ configHistory(component: "kafka", target: "${target}") { edges { node { kind after } } } }`,
        );
        return (r.data?.configHistory?.edges ?? []) as {
          node: { kind: string; after: unknown };
        }[];
      };

      const event = newAccessEvent(`sec-${name}-${run}`, {
        resource: `kafka://prod/sec-${name}-${run}`,
      });
      await producer.send({ topic: topics.access, messages: [{ value: JSON.stringify(event) }] });
      const rows = await eventually('the produced event in the access history', async () => {
        const r = await gql(
          `{ accessHistory(resource: "kafka://prod/sec-${name}-${run}") { edges { node { eventId } } } }`,
        );
        const edges = r.data?.accessHistory?.edges as { node: { eventId: string } }[] | undefined;
        return edges && edges.length > 0 ? edges : undefined;
      });
      expect(rows.map((e) => e.node.eventId)).toEqual([event.id]);

      expect(await firstMessage(topics.checkpoints)).toMatch(
        /^gouvernail\.local\/audit-log\n\d+\n[A-Za-z0-9+/=]{44}\n\n— gouvernail\.local\/audit-log /,
      );

      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topics.events,
            configEntries: [{ name: 'retention.ms', value: '3600000' }],
          },
        ],
      });
      await eventually('the retention change in the configuration history', async () =>
        (await history(`topic/${topics.events}`)).find(
          (e) =>
            e.node.kind === 'RETENTION' &&
            (e.node.after as Record<string, string> | null)?.['retention.ms'] === '3600000',
        ),
      );

      await admin.createAcls({
        acl: [
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: topics.lineage,
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: 'User:alice',
            host: '*',
            operation: AclOperationTypes.READ,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      });
      const acl = await eventually('the new ACL in the configuration history', async () =>
        (await history(`acl/topic/literal:${topics.lineage}`)).find((e) => e.node.kind === 'ACL'),
      );
      expect(acl.node.after).toEqual(['ALLOW User:alice READ from *']);
    } finally {
      await server.stop();
    }
  });
});

/**
 * Runs `gouvernail serve` with `env` until it exits; the start must fail, not wait forever.
 * `output` is everything it printed, its warn-level logs included.
 */
const failedStart = async (
  name: string,
  env: Record<string, string>,
): Promise<{ stderr: string; output: string; seconds: number }> => {
  const dir = tempDir();
  dirs.push(dir);
  const t0 = Date.now();
  const r = await cli(['serve', '--data-dir', dir, '--port', '0'], {
    env: { ...env, ...serviceEnv(name) },
  });
  const seconds = (Date.now() - t0) / 1000;
  expect(r.stdout).not.toMatch(/listening on/);
  expect(r.code).toBe(1);
  return { stderr: r.stderr, output: r.stdout + r.stderr, seconds };
};

describe('a wrong setting stops the service at start with an error naming the cause', () => {
  it.each(['plain', 'scram-sha-256', 'scram-sha-512'])(
    'a wrong password with SASL %s',
    async (mechanism) => {
      const wrong = `not-${secured.password}`;
      const { stderr, output, seconds } = await failedStart('sasl-plain', {
        GOUVERNAIL_KAFKA_BROKERS: secured.saslPlaintext,
        GOUVERNAIL_KAFKA_SASL_MECHANISM: mechanism,
        GOUVERNAIL_KAFKA_SASL_USERNAME: secured.username,
        GOUVERNAIL_KAFKA_SASL_PASSWORD: wrong,
      });
      expect(stderr).toMatch(
        new RegExp(`cannot reach Kafka at ${secured.saslPlaintext}: SASL .*authentication failed`),
      );
      expect(stderr).toMatch(/invalid (username or password|credentials)/i);
      expect(output).not.toContain(wrong);
      expect(seconds).toBeLessThan(30);
    },
  );

  it('TLS with a CA file that did not sign the broker certificate', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const otherCa = join(dir, 'other-ca.pem');
    writeFileSync(otherCa, rootCertificates[0]!);
    const { stderr, seconds } = await failedStart('tls-ca-sasl-plain', {
      GOUVERNAIL_KAFKA_BROKERS: secured.saslSsl,
      GOUVERNAIL_KAFKA_TLS: 'true',
      GOUVERNAIL_KAFKA_TLS_CA_FILE: otherCa,
      GOUVERNAIL_KAFKA_SASL_MECHANISM: 'plain',
      GOUVERNAIL_KAFKA_SASL_USERNAME: secured.username,
      GOUVERNAIL_KAFKA_SASL_PASSWORD: secured.password,
    });
    expect(stderr).toMatch(
      new RegExp(`cannot reach Kafka at ${secured.saslSsl}: .*self-signed certificate`),
    );
    expect(stderr).toContain(
      "(TLS: the broker's certificate is not trusted; check GOUVERNAIL_KAFKA_TLS_CA_FILE)",
    );
    expect(seconds).toBeLessThan(60);
  });

  it('TLS without the client certificate the broker requires', async () => {
    const { stderr, seconds } = await failedStart('tls-client-certificate', {
      GOUVERNAIL_KAFKA_BROKERS: secured.ssl,
      GOUVERNAIL_KAFKA_TLS: 'true',
      GOUVERNAIL_KAFKA_TLS_CA_FILE: secured.caFile,
    });
    expect(stderr).toMatch(new RegExp(`cannot reach Kafka at ${secured.ssl}: `));
    expect(stderr).toContain(
      '(TLS: the broker refused the client certificate or wants one; check GOUVERNAIL_KAFKA_TLS_CERT_FILE and GOUVERNAIL_KAFKA_TLS_KEY_FILE)',
    );
    expect(seconds).toBeLessThan(60);
  });

  it('TLS towards a port that does not answer TLS', async () => {
    const { stderr, seconds } = await failedStart('sasl-plain', {
      GOUVERNAIL_KAFKA_BROKERS: secured.saslPlaintext,
      GOUVERNAIL_KAFKA_TLS: 'true',
      GOUVERNAIL_KAFKA_TLS_CA_FILE: secured.caFile,
      GOUVERNAIL_KAFKA_SASL_MECHANISM: 'plain',
      GOUVERNAIL_KAFKA_SASL_USERNAME: secured.username,
      GOUVERNAIL_KAFKA_SASL_PASSWORD: secured.password,
    });
    expect(stderr).toMatch(new RegExp(`cannot reach Kafka at ${secured.saslPlaintext}: `));
    expect(stderr).toContain(
      '(TLS: the broker may not answer TLS on this port; check GOUVERNAIL_KAFKA_TLS and GOUVERNAIL_KAFKA_BROKERS)',
    );
    expect(seconds).toBeLessThan(60);
  });
});
