import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createKafkaIngest } from '../../../src/kafka/consumer.js';
import { kafkaMetrics } from '../../../src/kafka/metrics.js';
import { createMetrics } from '../../../src/metrics.js';

type Handler = (e: { payload: { error: Error; restart: boolean } }) => void;

/** A kafkajs stand-in whose first consumer crashes for good, as kafkajs does on a non-retriable error. */
const crashingKafka = () => {
  const consumers: { crashed: boolean; disconnected: boolean }[] = [];
  const kafka = {
    producer: () => ({
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      send: () => Promise.resolve([]),
    }),
    consumer: () => {
      const handlers = new Map<string, Handler>();
      const state = { crashed: false, disconnected: false };
      const first = consumers.length === 0;
      consumers.push(state);
      return {
        events: { CRASH: 'consumer.crash', FETCH: 'consumer.fetch' },
        on: (event: string, h: Handler) => void handlers.set(event, h),
        connect: () => Promise.resolve(),
        subscribe: () => Promise.resolve(),
        run: () => {
          if (first)
            setTimeout(() => {
              state.crashed = true;
              handlers.get('consumer.crash')?.({
                payload: { error: new Error('MESSAGE_TOO_LARGE'), restart: false },
              });
            }, 5);
          return Promise.resolve();
        },
        disconnect: () => ((state.disconnected = true), Promise.resolve()),
      };
    },
  };
  return { kafka: kafka as unknown as Kafka, consumers };
};

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Kafka ingest consumer', () => {
  const ingest = (kafka: Kafka, metrics = createMetrics()) =>
    createKafkaIngest({
      kafka,
      config: {
        groupId: 'g',
        topics: { access: 'a', config: 'c', lineage: 'l', events: 'e', dlq: 'd', checkpoints: 'k' },
        maxMessageBytes: 1024,
      },
      ingestor: {
        ingest: () => Promise.reject(new Error('unused')),
        ingestValid: () => Promise.reject(new Error('unused')),
      },
      metrics,
      log: pino({ level: 'silent' }),
      restartDelayMs: 20,
    });

  it('restarts, after a delay, a consumer that kafkajs gave up on, and counts the crash', async () => {
    const { kafka, consumers } = crashingKafka();
    const metrics = createMetrics();
    const k = ingest(kafka, metrics);
    await k.start();
    await settle(100);
    expect(consumers).toHaveLength(2);
    expect(consumers[0]).toEqual({ crashed: true, disconnected: true });
    expect((await kafkaMetrics(metrics).consumerCrashes.get()).values[0]?.value).toBe(1);
    await k.stop();
    expect(consumers[1]!.disconnected).toBe(true);
  });

  it('does not restart once stopped', async () => {
    const { kafka, consumers } = crashingKafka();
    const k = ingest(kafka);
    await k.start();
    await settle(10);
    await k.stop();
    await settle(100);
    expect(consumers).toHaveLength(1);
  });
});
