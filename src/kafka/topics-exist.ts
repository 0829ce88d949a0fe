import type { Admin } from 'kafkajs';
import type { KafkaTopics } from './config.js';

const settingOf: Record<keyof KafkaTopics, string> = {
  access: 'GOUVERNAIL_KAFKA_TOPIC_ACCESS',
  config: 'GOUVERNAIL_KAFKA_TOPIC_CONFIG',
  lineage: 'GOUVERNAIL_KAFKA_TOPIC_LINEAGE',
  events: 'GOUVERNAIL_KAFKA_TOPIC_EVENTS',
  dlq: 'GOUVERNAIL_KAFKA_TOPIC_DLQ',
  checkpoints: 'GOUVERNAIL_KAFKA_TOPIC_CHECKPOINTS',
};

/**
 * Throws an error naming every topic of `topics` the cluster does not have, and the setting that
 * names it. The service never creates topics; the listing asks for no topic by name, so a broker
 * with `auto.create.topics.enable` creates none either (a consumer subscribing would).
 */
export const assertTopicsExist = async (
  admin: Pick<Admin, 'listTopics'>,
  topics: KafkaTopics,
): Promise<void> => {
  const existing = new Set(await admin.listTopics());
  const missing = (Object.keys(settingOf) as (keyof KafkaTopics)[]).filter(
    (k) => !existing.has(topics[k]),
  );
  if (missing.length === 0) return;
  const names = [...new Set(missing.map((k) => topics[k]))];
  const settings = missing.map((k) => settingOf[k]).join(', ');
  throw new Error(
    names.length === 1
      ? `Kafka topic ${names.join('')} does not exist: create it (the service does not create topics), or set ${settings}`
      : `Kafka topics ${names.join(', ')} do not exist: create them (the service does not create topics), or set ${settings}`,
  );
};
