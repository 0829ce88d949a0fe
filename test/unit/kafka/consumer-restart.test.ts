import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createKafkaIngest } from '../../../src/kafka/consumer.js';
import { kafkaMetrics } from '../../../src/kafka/metrics.js';
import { createMetrics } from '../../../src/metrics.js';

type Handler = (e: { payload: { error: Error; restart: boolean } }) => void;

interface FakeConsumer {
  crashed: boolean;
  disconnected: boolean;
  ran: boolean;
  runAfterDisconnect: boolean;
}

/**
 * A kafkajs stand-in whose first consumer crashes for good, as kafkajs does on a non-retriable
 * error. `connect(i)` decides how the i-th consumer's connect goes.
 */
const crashingKafka = (connect: (i: number) => Promise<void> = () => Promise.resolve()) => {
  const consumers: FakeConsumer[] = [];
  const kafka = {
    producer: () => ({
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      send: () => Promise.resolve([]),
    }),
    consumer: () => {
      const handlers = new Map<string, Handler>();
      const i = consumers.length;
      const state: FakeConsumer = {
        crashed: false,
        disconnected: false,
        ran: false,
        runAfterDisconnect: false,
      };
      consumers.push(state);
      return {
        events: { CRASH: 'consumer.crash' },
        on: (event: string, h: Handler) => void handlers.set(event, h),
        connect: () => connect(i),
        subscribe: () => Promise.resolve(),
        run: () => {
          state.ran = true;
          state.runAfterDisconnect ||= state.disconnected;
          if (i === 0)
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
        countInvalid: () => undefined,
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
    expect(consumers[0]).toMatchObject({ crashed: true, disconnected: true });
    expect(consumers[1]!.ran).toBe(true);
    expect((await kafkaMetrics(metrics).consumerCrashes.get()).values[0]?.value).toBe(1);
    await k.stop();
    expect(consumers[1]!.disconnected).toBe(true);
  });

  it('keeps trying when the restarted consumer cannot connect', async () => {
    const { kafka, consumers } = crashingKafka((i) =>
      i === 1 ? Promise.reject(new Error('broker unreachable')) : Promise.resolve(),
    );
    const k = ingest(kafka);
    await k.start();
    await settle(250);
    expect(consumers.length).toBeGreaterThanOrEqual(3);
    expect(consumers[1]!.ran).toBe(false);
    expect(consumers[2]!.ran).toBe(true);
    await k.stop();
  });

  it('does not run a restarted consumer that a stop caught while it connected', async () => {
    let release: () => void = () => undefined;
    const { kafka, consumers } = crashingKafka((i) =>
      i === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve(),
    );
    const k = ingest(kafka);
    await k.start();
    await settle(60);
    expect(consumers).toHaveLength(2);
    const stopped = k.stop();
    release();
    await stopped;
    await settle(20);
    expect(consumers[1]).toMatchObject({ disconnected: true, ran: false });
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
