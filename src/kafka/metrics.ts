import { Counter, Gauge, type Registry } from 'prom-client';
import type { Metrics } from '../metrics.js';

const create = (registry: Registry) => ({
  consumerLag: new Gauge({
    name: 'gouvernail_kafka_consumer_lag',
    help: 'Messages in a partition not yet committed by the ingest consumer group (end offset minus committed offset)',
    labelNames: ['topic', 'partition'] as const,
    registers: [registry],
  }),
  deadLetters: new Counter({
    name: 'gouvernail_kafka_dlq_total',
    help: 'Kafka messages sent to the dead-letter topic, by source topic and reason',
    labelNames: ['topic', 'reason'] as const,
    registers: [registry],
  }),
  committed: new Counter({
    name: 'gouvernail_kafka_messages_committed_total',
    help: 'Kafka messages whose offsets were committed after their events were appended (or dead-lettered)',
    labelNames: ['topic'] as const,
    registers: [registry],
  }),
  checkpointsPublished: new Counter({
    name: 'gouvernail_kafka_checkpoints_published_total',
    help: 'Signed checkpoint notes sent to the checkpoints topic, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  consumerCrashes: new Counter({
    name: 'gouvernail_kafka_consumer_crashes_total',
    help: 'Crashes of the ingest consumer (each is restarted, by kafkajs or after a growing delay)',
    registers: [registry],
  }),
  configChanges: new Counter({
    name: 'gouvernail_kafka_config_changes_total',
    help: "ConfigChanged events recorded by the collector (changes found, and the first poll's baseline), by kind",
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
});

export type KafkaMetrics = ReturnType<typeof create>;

const byRegistry = new WeakMap<Registry, KafkaMetrics>();

/** The Kafka metrics on the service's registry, registered once however many parts ask for them. */
export const kafkaMetrics = (metrics: Pick<Metrics, 'registry'>): KafkaMetrics => {
  let m = byRegistry.get(metrics.registry);
  if (!m) {
    m = create(metrics.registry);
    byRegistry.set(metrics.registry, m);
  }
  return m;
};
