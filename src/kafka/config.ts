import { ConfigError } from '../config-error.js';

type Env = Readonly<Record<string, string | undefined>>;

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
export const saslMechanisms: readonly SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

/** The topics gouvernail reads from and writes to. */
export interface KafkaTopics {
  /** `AccessRecorded` envelopes. */
  readonly access: string;
  /** `ConfigChanged` envelopes. */
  readonly config: string;
  /** Raw OpenLineage events (RunEvent, DatasetEvent, JobEvent), as the OpenLineage Kafka transport sends them. */
  readonly lineage: string;
  /** Envelopes of any type. */
  readonly events: string;
  /** Dead letters: the original bytes of refused messages, with the reason in headers. */
  readonly dlq: string;
  /** Signed checkpoint notes, keyed by log origin. */
  readonly checkpoints: string;
}

export interface KafkaTls {
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
}

export interface KafkaSasl {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: KafkaTopics;
  /** TLS towards the brokers; undefined means plaintext. */
  readonly tls: KafkaTls | undefined;
  readonly sasl: KafkaSasl | undefined;
  /** Largest message value accepted; larger ones go to the dead-letter topic. */
  readonly maxMessageBytes: number;
  /** How often consumer lag is measured. */
  readonly lagIntervalMs: number;
  /** How often topic configs and ACLs are polled; 0 turns the collector off. */
  readonly collectorIntervalMs: number;
}

/** Kafka ingest is off unless GOUVERNAIL_KAFKA_BROKERS is set. */
export type KafkaConfig =
  { readonly enabled: false } | ({ readonly enabled: true } & KafkaSettings);

const text = (env: Env, key: string, fallback: string): string => {
  const raw = env[key]?.trim();
  return raw === undefined || raw === '' ? fallback : raw;
};

const optional = (env: Env, key: string): string | undefined => {
  const raw = env[key]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
};

const integer = (env: Env, key: string, fallback: number, min: number, max: number): number => {
  const raw = optional(env, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${key} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return n;
};

const flag = (env: Env, key: string): boolean => {
  const raw = optional(env, key)?.toLowerCase();
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`${key} must be true or false, got '${raw}'`);
};

// Kafka's own rule for topic names (and what we accept for client and group ids).
const NAME = /^[A-Za-z0-9._-]{1,249}$/;
const BROKER = /^[^\s:/,]+:\d{1,5}$/;

const topic = (env: Env, key: string, fallback: string): string => {
  const name = text(env, key, fallback);
  if (!NAME.test(name))
    throw new ConfigError(
      `${key} must be a Kafka topic name (letters, digits, '.', '_', '-'), got '${name}'`,
    );
  return name;
};

const brokersOf = (raw: string): string[] => {
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0)
    throw new ConfigError('GOUVERNAIL_KAFKA_BROKERS must list at least one host:port');
  for (const b of brokers) {
    const port = Number(b.slice(b.lastIndexOf(':') + 1));
    if (!BROKER.test(b) || port < 1 || port > 65535) {
      throw new ConfigError(
        `GOUVERNAIL_KAFKA_BROKERS must be a comma-separated list of host:port, got '${b}'`,
      );
    }
  }
  return brokers;
};

const tlsOf = (env: Env): KafkaTls | undefined => {
  const files = {
    caFile: optional(env, 'GOUVERNAIL_KAFKA_TLS_CA_FILE'),
    certFile: optional(env, 'GOUVERNAIL_KAFKA_TLS_CERT_FILE'),
    keyFile: optional(env, 'GOUVERNAIL_KAFKA_TLS_KEY_FILE'),
  };
  if (!flag(env, 'GOUVERNAIL_KAFKA_TLS')) {
    for (const [field, key] of [
      ['caFile', 'GOUVERNAIL_KAFKA_TLS_CA_FILE'],
      ['certFile', 'GOUVERNAIL_KAFKA_TLS_CERT_FILE'],
      ['keyFile', 'GOUVERNAIL_KAFKA_TLS_KEY_FILE'],
    ] as const) {
      if (files[field] !== undefined)
        throw new ConfigError(`${key} is set but GOUVERNAIL_KAFKA_TLS is not true`);
    }
    return undefined;
  }
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) {
    const missing =
      files.certFile === undefined
        ? 'GOUVERNAIL_KAFKA_TLS_CERT_FILE'
        : 'GOUVERNAIL_KAFKA_TLS_KEY_FILE';
    throw new ConfigError(
      `${missing} is required: a client certificate needs both a certificate and a key file`,
    );
  }
  return Object.freeze(files);
};

const saslOf = (env: Env): KafkaSasl | undefined => {
  const raw = optional(env, 'GOUVERNAIL_KAFKA_SASL_MECHANISM')?.toLowerCase();
  const username = optional(env, 'GOUVERNAIL_KAFKA_SASL_USERNAME');
  const password = env.GOUVERNAIL_KAFKA_SASL_PASSWORD;
  if (raw === undefined) {
    if (username !== undefined || (password !== undefined && password !== '')) {
      throw new ConfigError(
        'GOUVERNAIL_KAFKA_SASL_MECHANISM is required when a SASL username or password is set',
      );
    }
    return undefined;
  }
  const mechanism = saslMechanisms.find((m) => m === raw);
  if (mechanism === undefined) {
    throw new ConfigError(
      `GOUVERNAIL_KAFKA_SASL_MECHANISM must be one of ${saslMechanisms.join(', ')}, got '${raw}'`,
    );
  }
  if (username === undefined)
    throw new ConfigError(`GOUVERNAIL_KAFKA_SASL_USERNAME is required with SASL ${mechanism}`);
  if (password === undefined || password === '')
    throw new ConfigError(`GOUVERNAIL_KAFKA_SASL_PASSWORD is required with SASL ${mechanism}`);
  return Object.freeze({ mechanism, username, password });
};

/**
 * Reads the GOUVERNAIL_KAFKA_* variables. Kafka is disabled when GOUVERNAIL_KAFKA_BROKERS is unset;
 * otherwise every value is checked and the first bad one fails with a message naming its key.
 */
export const loadKafkaConfig = (env: Env = process.env): KafkaConfig => {
  const raw = optional(env, 'GOUVERNAIL_KAFKA_BROKERS');
  if (raw === undefined) return Object.freeze({ enabled: false });
  const brokers = Object.freeze(brokersOf(raw));
  const clientId = text(env, 'GOUVERNAIL_KAFKA_CLIENT_ID', 'gouvernail');
  if (!NAME.test(clientId))
    throw new ConfigError(
      `GOUVERNAIL_KAFKA_CLIENT_ID must use letters, digits, '.', '_', '-', got '${clientId}'`,
    );
  const groupId = text(env, 'GOUVERNAIL_KAFKA_GROUP_ID', 'gouvernail-ingest');
  if (!NAME.test(groupId))
    throw new ConfigError(
      `GOUVERNAIL_KAFKA_GROUP_ID must use letters, digits, '.', '_', '-', got '${groupId}'`,
    );
  const topics: KafkaTopics = Object.freeze({
    access: topic(env, 'GOUVERNAIL_KAFKA_TOPIC_ACCESS', 'gouvernail.access'),
    config: topic(env, 'GOUVERNAIL_KAFKA_TOPIC_CONFIG', 'gouvernail.config'),
    lineage: topic(env, 'GOUVERNAIL_KAFKA_TOPIC_LINEAGE', 'gouvernail.lineage'),
    events: topic(env, 'GOUVERNAIL_KAFKA_TOPIC_EVENTS', 'gouvernail.events'),
    dlq: topic(env, 'GOUVERNAIL_KAFKA_TOPIC_DLQ', 'gouvernail.dlq'),
    checkpoints: topic(env, 'GOUVERNAIL_KAFKA_TOPIC_CHECKPOINTS', 'gouvernail.checkpoints'),
  });
  const inputs = [topics.access, topics.config, topics.lineage, topics.events];
  if (new Set(inputs).size !== inputs.length) {
    throw new ConfigError(
      'GOUVERNAIL_KAFKA_TOPIC_ACCESS, _CONFIG, _LINEAGE and _EVENTS must name four different topics',
    );
  }
  if (inputs.includes(topics.dlq))
    throw new ConfigError(
      `GOUVERNAIL_KAFKA_TOPIC_DLQ must differ from the topics consumed, got '${topics.dlq}'`,
    );
  const collectorIntervalMs = integer(
    env,
    'GOUVERNAIL_KAFKA_COLLECTOR_INTERVAL_MS',
    60_000,
    0,
    86_400_000,
  );
  if (collectorIntervalMs > 0 && collectorIntervalMs < 1000) {
    throw new ConfigError(
      `GOUVERNAIL_KAFKA_COLLECTOR_INTERVAL_MS must be 0 (off) or at least 1000, got '${collectorIntervalMs}'`,
    );
  }
  return Object.freeze({
    enabled: true,
    brokers,
    clientId,
    groupId,
    topics,
    tls: tlsOf(env),
    sasl: saslOf(env),
    maxMessageBytes: integer(
      env,
      'GOUVERNAIL_KAFKA_MAX_MESSAGE_BYTES',
      1024 * 1024,
      1024,
      64 * 1024 * 1024,
    ),
    lagIntervalMs: integer(env, 'GOUVERNAIL_KAFKA_LAG_INTERVAL_MS', 5_000, 100, 3_600_000),
    collectorIntervalMs,
  });
};
