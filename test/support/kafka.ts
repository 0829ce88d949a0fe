import type { Admin, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { KafkaClient, logLevel } from '../../src/kafka/client.js';

/** The broker the integration tests use: the one `scripts/services/up.sh` starts, unless overridden. */
export const testBrokers = (process.env.GOUVERNAIL_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(
  ',',
);

/** A name unique to this test run, for topics and consumer groups. */
export const testRun = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export const testLogger = pino({ level: process.env.GOUVERNAIL_TEST_LOG_LEVEL ?? 'silent' });

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
