import type { Admin } from 'kafkajs';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { kafkaMetrics } from './metrics.js';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** End offset (high watermark) minus the group's committed offset; from the log start when nothing is committed. */
  readonly lag: number;
}

export interface ConsumerLagMonitor {
  /** Measures every partition of the topics once and sets `gouvernail_kafka_consumer_lag`. */
  measure(): Promise<PartitionLag[]>;
  start(): void;
  stop(): void;
}

/**
 * Consumer lag of the ingest group, measured with the admin client: committed offsets of the group
 * against the end offsets of each partition, every `intervalMs`.
 */
export const createConsumerLagMonitor = ({
  admin,
  groupId,
  topics,
  intervalMs,
  metrics,
  log,
}: {
  admin: Pick<Admin, 'fetchOffsets' | 'fetchTopicOffsets'>;
  groupId: string;
  topics: readonly string[];
  intervalMs: number;
  metrics: Metrics;
  log: Logger;
}): ConsumerLagMonitor => {
  const gauge = kafkaMetrics(metrics).consumerLag;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;

  const measure = async (): Promise<PartitionLag[]> => {
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    const lags: PartitionLag[] = [];
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const group = new Map(
        (committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [
          p.partition,
          Number(p.offset),
        ]),
      );
      for (const end of ends) {
        const high = Number(end.high);
        const at = group.get(end.partition) ?? -1;
        const lag = Math.max(0, high - (at >= 0 ? at : Number(end.low)));
        gauge.set({ topic, partition: String(end.partition) }, lag);
        lags.push({ topic, partition: end.partition, lag });
      }
    }
    return lags;
  };

  const tick = async (): Promise<void> => {
    try {
      await measure();
      if (failing) log.info('consumer lag measured again');
      failing = false;
    } catch (e) {
      if (!failing) log.warn({ err: e }, 'cannot measure consumer lag');
      failing = true;
    }
  };

  return {
    measure,
    start: () => {
      if (timer) return;
      void tick();
      timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
    },
    stop: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
};
