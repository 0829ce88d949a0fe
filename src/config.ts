import { resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import { withoutPassword } from './redact-url.js';
import { loadKafkaConfig, type KafkaConfig } from './kafka/config.js';

/** Everything the service reads from its environment, parsed once and frozen. */
export interface Config {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly origin: string;
  readonly checkpointIntervalMs: number;
  /** How often access rows past their retention period are deleted (they are hidden at once). */
  readonly retentionPurgeIntervalMs: number;
  readonly maxBatchBytes: number;
  readonly maxBatchEvents: number;
  /** Largest body of a GraphQL request; larger gets 413 before anything is parsed. */
  readonly maxGraphqlBytes: number;
  /** Reverse proxies in front of gouvernail whose `X-Forwarded-For` hops are believed (default 0). */
  readonly trustedProxies: number;
  /** Worker threads that seal, encode and hash batches beside the committing thread (0: all on one thread). */
  readonly sealWorkers: number;
  /**
   * Whether the embedded lineage projection runs on its own thread (`on`, the default) or on the
   * main thread with the others. Only with `log: sqlite` and `readStores: sqlite`.
   */
  readonly lineageThread: boolean;
  readonly kek: string | undefined;
  readonly jwt: {
    readonly secret: string | undefined;
    readonly publicKeyFile: string | undefined;
    readonly jwksUrl: string | undefined;
    readonly issuer: string;
    readonly audience: string;
  };
  readonly logLevel: string;
  /** Where the log lives: embedded SQLite, or EventStoreDB with the Merkle sequencer beside it. */
  readonly log: 'sqlite' | 'eventstoredb';
  /** EventStoreDB connection string, e.g. `esdb://127.0.0.1:2113?tls=false`; required for `log: eventstoredb`. */
  readonly eventStoreDbUrl: string | undefined;
  /** Prefix of gouvernail's stream names in EventStoreDB: one log per prefix. */
  readonly eventStoreDbPrefix: string;
  /** Where the read models live: embedded SQLite, or MongoDB (lineage, configuration) + Cassandra (access). */
  readonly readStores: 'sqlite' | 'mongo+cassandra';
  readonly mongo: { readonly url: string; readonly database: string };
  readonly cassandra: {
    readonly contactPoints: readonly string[];
    readonly localDataCenter: string;
    readonly keyspace: string;
    readonly username: string | undefined;
    readonly password: string | undefined;
  };
  /** How often obsolete read-model documents move to archive collections (MongoDB), and their age. */
  readonly archiveAfterDays: number;
  /** Kafka ingest, collector and checkpoint publication; off unless GOUVERNAIL_KAFKA_BROKERS is set. */
  readonly kafka: KafkaConfig;
}

export { ConfigError };

type Env = Readonly<Record<string, string | undefined>>;

const integer = (env: Env, key: string, fallback: number, min: number, max: number): number => {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${key} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return n;
};

const text = (env: Env, key: string, fallback: string): string => {
  const raw = env[key];
  return raw === undefined || raw === '' ? fallback : raw;
};

const optional = (env: Env, key: string): string | undefined => {
  const raw = env[key];
  return raw === undefined || raw === '' ? undefined : raw;
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads the GOUVERNAIL_* variables; fails fast naming the bad key. */
export const loadConfig = (
  env: Env = process.env,
  overrides: Partial<Pick<Config, 'dataDir' | 'port' | 'host'>> = {},
): Config => {
  const origin = text(env, 'GOUVERNAIL_ORIGIN', 'gouvernail.local/audit-log');
  if (/\s/.test(origin) || origin.includes('+')) {
    throw new ConfigError(`GOUVERNAIL_ORIGIN must have no white space or '+', got '${origin}'`);
  }
  const logLevel = text(env, 'GOUVERNAIL_LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      `GOUVERNAIL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`,
    );
  }
  const kek = optional(env, 'GOUVERNAIL_KEK');
  if (kek !== undefined && Buffer.from(kek, 'base64').length !== 32) {
    throw new ConfigError('GOUVERNAIL_KEK must be 32 bytes in base64');
  }
  const log = oneOf(env, 'GOUVERNAIL_LOG', ['sqlite', 'eventstoredb'] as const, 'sqlite');
  const eventStoreDbUrl = optional(env, 'GOUVERNAIL_ESDB_URL');
  if (log === 'eventstoredb' && eventStoreDbUrl === undefined) {
    throw new ConfigError(
      'GOUVERNAIL_ESDB_URL is required when GOUVERNAIL_LOG is eventstoredb (e.g. esdb://127.0.0.1:2113?tls=false)',
    );
  }
  const jwtSecret = optional(env, 'GOUVERNAIL_JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('GOUVERNAIL_JWT_SECRET must be at least 32 characters');
  }
  return Object.freeze({
    dataDir: resolve(overrides.dataDir ?? text(env, 'GOUVERNAIL_DATA_DIR', './data')),
    host: overrides.host ?? text(env, 'GOUVERNAIL_HOST', '127.0.0.1'),
    port: overrides.port ?? integer(env, 'GOUVERNAIL_PORT', 4000, 0, 65535),
    origin,
    checkpointIntervalMs: integer(
      env,
      'GOUVERNAIL_CHECKPOINT_INTERVAL_MS',
      10_000,
      100,
      86_400_000,
    ),
    retentionPurgeIntervalMs: integer(
      env,
      'GOUVERNAIL_RETENTION_PURGE_INTERVAL_MS',
      3_600_000,
      1000,
      86_400_000,
    ),
    maxBatchBytes: integer(
      env,
      'GOUVERNAIL_MAX_BATCH_BYTES',
      16 * 1024 * 1024,
      1024,
      1024 * 1024 * 1024,
    ),
    maxBatchEvents: integer(env, 'GOUVERNAIL_MAX_BATCH_EVENTS', 10_000, 1, 1_000_000),
    maxGraphqlBytes: integer(
      env,
      'GOUVERNAIL_MAX_GRAPHQL_BYTES',
      1024 * 1024,
      1024,
      64 * 1024 * 1024,
    ),
    trustedProxies: integer(env, 'GOUVERNAIL_TRUSTED_PROXIES', 0, 0, 10),
    sealWorkers: integer(env, 'GOUVERNAIL_SEAL_WORKERS', 1, 0, 64),
    lineageThread: oneOf(env, 'GOUVERNAIL_LINEAGE_THREAD', ['on', 'off'] as const, 'on') === 'on',
    kek,
    jwt: Object.freeze({
      secret: jwtSecret,
      publicKeyFile: optional(env, 'GOUVERNAIL_JWT_PUBLIC_KEY_FILE'),
      jwksUrl: jwksUrlOf(optional(env, 'GOUVERNAIL_JWT_JWKS_URL')),
      issuer: text(env, 'GOUVERNAIL_JWT_ISSUER', 'gouvernail'),
      audience: text(env, 'GOUVERNAIL_JWT_AUDIENCE', 'gouvernail'),
    }),
    logLevel,
    log,
    eventStoreDbUrl,
    eventStoreDbPrefix: streamPrefix(text(env, 'GOUVERNAIL_ESDB_STREAM_PREFIX', 'gv-')),
    readStores: oneOf(
      env,
      'GOUVERNAIL_READ_STORES',
      ['sqlite', 'mongo+cassandra'] as const,
      'sqlite',
    ),
    mongo: Object.freeze({
      url: text(env, 'GOUVERNAIL_MONGO_URL', 'mongodb://127.0.0.1:27017/?directConnection=true'),
      database: text(env, 'GOUVERNAIL_MONGO_DATABASE', 'gouvernail'),
    }),
    cassandra: Object.freeze({
      contactPoints: contactPointsOf(
        text(env, 'GOUVERNAIL_CASSANDRA_CONTACT_POINTS', '127.0.0.1:9042'),
      ),
      localDataCenter: text(env, 'GOUVERNAIL_CASSANDRA_DATACENTER', 'datacenter1'),
      keyspace: keyspaceName(text(env, 'GOUVERNAIL_CASSANDRA_KEYSPACE', 'gouvernail')),
      username: optional(env, 'GOUVERNAIL_CASSANDRA_USERNAME'),
      password: optional(env, 'GOUVERNAIL_CASSANDRA_PASSWORD'),
    }),
    archiveAfterDays: integer(env, 'GOUVERNAIL_ARCHIVE_AFTER_DAYS', 400, 1, 36500),
    kafka: loadKafkaConfig(env),
  });
};

/** The identity provider's JWKS address: an http or https URL. */
const jwksUrlOf = (url: string | undefined): string | undefined => {
  if (url === undefined) return undefined;
  const protocol = URL.canParse(url) ? new URL(url).protocol : undefined;
  if (protocol !== 'https:' && protocol !== 'http:')
    throw new ConfigError(
      `GOUVERNAIL_JWT_JWKS_URL must be the http or https URL of the identity provider's JWKS, got '${withoutPassword(url)}'`,
    );
  return url;
};

const oneOf = <T extends string>(env: Env, key: string, values: readonly T[], fallback: T): T => {
  const raw = text(env, key, fallback);
  if (!(values as readonly string[]).includes(raw))
    throw new ConfigError(`${key} must be one of ${values.join(', ')}, got '${raw}'`);
  return raw as T;
};

/**
 * Letters, digits, '_' or '.', then one '-' that ends it: no prefix can then begin another
 * ('gv-' and 'gv-staging-' would share streams), since a prefix holds no '-' before its end.
 */
const streamPrefix = (prefix: string): string => {
  if (!/^[A-Za-z0-9_.]{1,31}-$/.test(prefix)) {
    throw new ConfigError(
      `GOUVERNAIL_ESDB_STREAM_PREFIX must be 1 to 31 letters, digits, '_' or '.' followed by one '-' (e.g. 'gv-', 'gvstaging-'), got '${prefix}'`,
    );
  }
  return prefix;
};

/** A host name, an IPv4 address or a bracketed IPv6 one, and an optional port. */
const CONTACT_POINT = /^(?:\[[\dA-Fa-f:.]+\]|[^\s:/,[\]]+)(?::(\d{1,5}))?$/;

/** Cassandra contact points: host, or host:port with a port from 1 to 65535 (9042 when left out). */
const contactPointsOf = (raw: string): readonly string[] => {
  const points = raw
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (points.length === 0)
    throw new ConfigError(
      'GOUVERNAIL_CASSANDRA_CONTACT_POINTS must list at least one host or host:port',
    );
  for (const point of points) {
    const parsed = CONTACT_POINT.exec(point);
    const port = Number(parsed?.[1] ?? 9042);
    if (!parsed || port < 1 || port > 65535)
      throw new ConfigError(
        `GOUVERNAIL_CASSANDRA_CONTACT_POINTS must be a comma-separated list of host or host:port (port 1 to 65535), got '${point}'`,
      );
  }
  return points;
};

const keyspaceName = (name: string): string => {
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(name)) {
    throw new ConfigError(
      `GOUVERNAIL_CASSANDRA_KEYSPACE must be lower-case letters, digits and _, got '${name}'`,
    );
  }
  return name;
};
