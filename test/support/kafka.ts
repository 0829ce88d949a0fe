import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Admin, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { KafkaClient, logLevel } from '../../src/kafka/client.js';
import type { KafkaTopics } from '../../src/kafka/config.js';

/** The broker the integration tests use: the one `scripts/services/up.sh` starts, unless overridden. */
export const testBrokers = (process.env.GOUVERNAIL_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(
  ',',
);

/** A name unique to this test run, for topics and consumer groups. */
export const testRun = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export const testLogger = pino({ level: process.env.GOUVERNAIL_TEST_LOG_LEVEL ?? 'silent' });

/** The six topics of one service under test, named `${prefix}-access` and so on. */
export const serviceTopics = (prefix: string) => {
  const t = (kind: string): string => `${prefix}-${kind}`;
  return {
    access: t('access'),
    config: t('config'),
    lineage: t('lineage'),
    events: t('events'),
    dlq: t('dlq'),
    checkpoints: t('checkpoints'),
  };
};

/** The settings that point the service at `topics`. */
export const topicSettings = (topics: KafkaTopics): Record<string, string> => ({
  GOUVERNAIL_KAFKA_TOPIC_ACCESS: topics.access,
  GOUVERNAIL_KAFKA_TOPIC_CONFIG: topics.config,
  GOUVERNAIL_KAFKA_TOPIC_LINEAGE: topics.lineage,
  GOUVERNAIL_KAFKA_TOPIC_EVENTS: topics.events,
  GOUVERNAIL_KAFKA_TOPIC_DLQ: topics.dlq,
  GOUVERNAIL_KAFKA_TOPIC_CHECKPOINTS: topics.checkpoints,
});

/** A kafkajs client on the test broker that gives up quickly when there is none. */
export const testKafka = (): Kafka =>
  new KafkaClient({
    clientId: `gv-test-${testRun}`,
    brokers: testBrokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  });

/** Connects an admin client, or fails loudly saying how to start the broker. */
export const connectAdmin = async (kafka: Kafka): Promise<Admin> => {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (e) {
    throw new Error(
      `Kafka broker not reachable at ${testBrokers.join(',')} (${(e as Error).message}). ` +
        'Start one with `bash scripts/services/up.sh kafka` or set GOUVERNAIL_TEST_KAFKA_BROKERS.',
    );
  }
  return admin;
};

/** The test broker's secured listeners and the throwaway identity that logs in to them. */
export interface SecuredListeners {
  /** SASL_PLAINTEXT `host:port`: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. */
  readonly saslPlaintext: string;
  /** SASL_SSL `host:port`: the same mechanisms over TLS. */
  readonly saslSsl: string;
  /** SSL `host:port`: TLS with a required client certificate. */
  readonly ssl: string;
  readonly username: string;
  readonly password: string;
  /** PEM files: the CA that signed the broker and client certificates, the client's certificate and key. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** Where `scripts/services/up.sh` describes them, unless GOUVERNAIL_TEST_KAFKA_SECURITY names another file. */
export const securityFile =
  process.env.GOUVERNAIL_TEST_KAFKA_SECURITY ??
  fileURLToPath(new URL('../../.ci/svc/kafka/run/security.env', import.meta.url));

/** Reads {@link securityFile} (KEY=VALUE lines), or fails loudly saying how to get one. */
export const securedListeners = (): SecuredListeners => {
  let text: string;
  try {
    text = readFileSync(securityFile, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read the broker's secured listeners from ${securityFile} (${(e as Error).message}). ` +
        'Start the broker with `bash scripts/services/up.sh kafka` or set GOUVERNAIL_TEST_KAFKA_SECURITY.',
    );
  }
  const values = new Map(
    text
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
  const get = (key: string): string => {
    const v = values.get(key);
    if (v === undefined || v === '') throw new Error(`${securityFile} does not set ${key}`);
    return v;
  };
  return {
    saslPlaintext: get('KAFKA_SASL_PLAINTEXT_BROKERS'),
    saslSsl: get('KAFKA_SASL_SSL_BROKERS'),
    ssl: get('KAFKA_SSL_BROKERS'),
    username: get('KAFKA_SASL_USERNAME'),
    password: get('KAFKA_SASL_PASSWORD'),
    caFile: get('KAFKA_TLS_CA_FILE'),
    certFile: get('KAFKA_TLS_CERT_FILE'),
    keyFile: get('KAFKA_TLS_KEY_FILE'),
  };
};
