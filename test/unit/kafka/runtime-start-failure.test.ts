import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { loadKafkaConfig, type KafkaSettings } from '../../../src/kafka/config.js';
import { startKafka } from '../../../src/kafka/runtime.js';
import { createMetrics } from '../../../src/metrics.js';
import type { ReadSide } from '../../../src/read-side.js';

/** What the fake broker saw: connections opened and closed, by client. */
let seen: { connected: string[]; disconnected: string[] };
let topicsOnBroker: string[];
let consumerConnect: () => Promise<void>;

const client = (name: string, connect = () => Promise.resolve()) => ({
  connect: () => connect().then(() => void seen.connected.push(name)),
  disconnect: () => (seen.disconnected.push(name), Promise.resolve()),
});

const fakeKafka = {
  admin: () => ({ ...client('admin'), listTopics: () => Promise.resolve(topicsOnBroker) }),
  producer: (options?: { allowAutoTopicCreation?: boolean }) =>
    client(options?.allowAutoTopicCreation === false ? 'dead-letter producer' : 'producer'),
  consumer: () => ({
    ...client('consumer', () => consumerConnect()),
    events: { CRASH: 'consumer.crash' },
    on: () => undefined,
  }),
} as unknown as Kafka;

vi.mock('../../../src/kafka/client.js', async (original) => ({
  ...(await original<typeof import('../../../src/kafka/client.js')>()),
  createKafkaClient: () => fakeKafka,
}));

const settings = loadKafkaConfig({
  GOUVERNAIL_KAFKA_BROKERS: 'kafka-1:9092',
  GOUVERNAIL_KAFKA_COLLECTOR_INTERVAL_MS: '0',
}) as KafkaSettings;
const start = () =>
  startKafka({
    settings,
    ingestor: {
      ingest: () => Promise.reject(new Error('unused')),
      ingestValid: () => Promise.reject(new Error('unused')),
      countInvalid: () => undefined,
    },
    metrics: createMetrics(),
    readSide: {} as ReadSide,
    logger: pino({ level: 'silent' }),
  });

describe('Kafka at start, when a step fails after connecting', () => {
  beforeEach(() => {
    seen = { connected: [], disconnected: [] };
    topicsOnBroker = Object.values(settings.topics);
    consumerConnect = () => Promise.resolve();
  });

  it('disconnects every client it connected when the consumer cannot start', async () => {
    consumerConnect = () =>
      Promise.reject(new Error('This server does not host this topic-partition'));
    await expect(start()).rejects.toThrow('This server does not host this topic-partition');
    expect(seen.disconnected.sort()).toEqual(
      ['admin', 'consumer', 'dead-letter producer', 'producer'].sort(),
    );
  });

  it('names a missing topic and its setting before consuming anything, and disconnects', async () => {
    topicsOnBroker = topicsOnBroker.filter((t) => t !== 'gouvernail.access');
    await expect(start()).rejects.toThrow(
      'Kafka topic gouvernail.access does not exist: create it (the service does not create topics), or set GOUVERNAIL_KAFKA_TOPIC_ACCESS',
    );
    expect(seen.connected).not.toContain('consumer');
    expect(seen.disconnected.sort()).toEqual(['admin', 'producer']);
  });
});
