import type { Ingestor } from '../ingest/ingest.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ReadSide } from '../read-side.js';
import { publishCheckpoints } from './checkpoints.js';
import { createKafkaClient, tlsHint } from './client.js';
import { createKafkaCollector, ingestThrough } from './collector.js';
import { collectorHistory } from './collector-history.js';
import type { KafkaSettings } from './config.js';
import { createKafkaIngest } from './consumer.js';
import { createConsumerLagMonitor } from './lag.js';
import { kafkaMetrics } from './metrics.js';
import { assertTopicsExist } from './topics-exist.js';

export interface KafkaRuntime {
  /** Publishes a signed checkpoint note to the checkpoints topic (never throws). */
  onCheckpoint(note: string): void;
  /** Starts the configuration collector; call once the projections have caught up. */
  startCollector(): void;
  /** Stops consuming, measuring lag and collecting: nothing more is appended from Kafka. */
  stopIngest(): Promise<void>;
  /**
   * {@link stopIngest}, then waits for the checkpoints handed over so far to be sent, and
   * disconnects. Call it after the last checkpoint is signed, so witnesses receive that one too.
   */
  stop(): Promise<void>;
}

/**
 * Everything gouvernail does with Kafka: the ingest consumer group, consumer-lag measurement, the
 * topic-configuration and ACL collector, and checkpoint publication for outside witnesses.
 */
export const startKafka = async ({
  settings,
  ingestor,
  metrics,
  readSide,
  logger,
}: {
  settings: KafkaSettings;
  ingestor: Ingestor;
  metrics: Metrics;
  readSide: ReadSide;
  logger: Logger;
}): Promise<KafkaRuntime> => {
  const kafka = createKafkaClient(settings, logger.child({ component: 'kafka' }));
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const disconnect = async (): Promise<void> => {
    for (const [name, client] of [
      ['admin', admin],
      ['producer', producer],
    ] as const) {
      await client.disconnect().catch((err: unknown) => {
        logger.error({ err }, `could not disconnect the Kafka ${name} after a failed start`);
      });
    }
  };
  const [connectFailure] = (await Promise.allSettled([admin.connect(), producer.connect()]))
    .filter((r) => r.status === 'rejected')
    .map((r) => r.reason as Error);
  if (connectFailure) {
    await disconnect();
    const message = connectFailure.message.trimEnd();
    const hint = tlsHint(message);
    throw new Error(
      `cannot reach Kafka at ${settings.brokers.join(',')}: ${message}${hint ? ` (${hint})` : ''}`,
      { cause: connectFailure },
    );
  }
  try {
    await assertTopicsExist(admin, settings.topics);
  } catch (error) {
    await disconnect();
    throw error;
  }
  const ingest = createKafkaIngest({
    kafka,
    config: settings,
    ingestor,
    metrics,
    log: logger.child({ component: 'kafka-ingest' }),
  });
  const { access, config, lineage, events, checkpoints } = settings.topics;
  const lag = createConsumerLagMonitor({
    admin,
    groupId: settings.groupId,
    topics: [access, config, lineage, events],
    intervalMs: settings.lagIntervalMs,
    metrics,
    log: logger.child({ component: 'kafka-lag' }),
  });
  const collector =
    settings.collectorIntervalMs > 0
      ? createKafkaCollector({
          admin,
          ingest: ingestThrough(ingestor),
          intervalMs: settings.collectorIntervalMs,
          log: logger.child({ component: 'kafka-collector' }),
          onChanges: (counts) => {
            for (const [kind, n] of counts) kafkaMetrics(metrics).configChanges.inc({ kind }, n);
          },
          ...collectorHistory(readSide.config),
        })
      : undefined;
  const sink = publishCheckpoints({
    producer,
    topic: checkpoints,
    metrics,
    log: logger.child({ component: 'kafka-checkpoints' }),
  });
  let ingestStopped: Promise<void> | undefined;
  const stopIngest = (): Promise<void> =>
    (ingestStopped ??= (async () => {
      await ingest.stop();
      lag.stop();
      await collector?.stop();
    })());
  try {
    await ingest.start();
  } catch (error) {
    await ingest.stop().catch((err: unknown) => {
      logger.error({ err }, 'could not stop the Kafka consumer after a failed start');
    });
    await disconnect();
    throw error;
  }
  lag.start();
  return {
    onCheckpoint: (note) => {
      void sink.onCheckpoint(note);
    },
    startCollector: () => collector?.start(),
    stopIngest,
    stop: async () => {
      await stopIngest();
      await sink.sent();
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    },
  };
};
