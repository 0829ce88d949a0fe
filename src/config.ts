import { resolve } from 'node:path';

/** Everything the service reads from its environment, parsed once and frozen. */
export interface Config {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly origin: string;
  readonly checkpointIntervalMs: number;
  readonly maxBatchBytes: number;
  readonly maxBatchEvents: number;
  readonly kek: string | undefined;
  readonly jwt: {
    readonly secret: string | undefined;
    readonly publicKeyFile: string | undefined;
    readonly jwksUrl: string | undefined;
    readonly issuer: string;
    readonly audience: string;
  };
  readonly logLevel: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

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
export const loadConfig = (env: Env = process.env, overrides: Partial<Pick<Config, 'dataDir' | 'port' | 'host'>> = {}): Config => {
  const origin = text(env, 'GOUVERNAIL_ORIGIN', 'gouvernail.local/audit-log');
  if (/\s/.test(origin) || origin.includes('+')) {
    throw new ConfigError(`GOUVERNAIL_ORIGIN must have no white space or '+', got '${origin}'`);
  }
  const logLevel = text(env, 'GOUVERNAIL_LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`GOUVERNAIL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }
  const kek = optional(env, 'GOUVERNAIL_KEK');
  if (kek !== undefined && Buffer.from(kek, 'base64').length !== 32) {
    throw new ConfigError('GOUVERNAIL_KEK must be 32 bytes in base64');
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
    checkpointIntervalMs: integer(env, 'GOUVERNAIL_CHECKPOINT_INTERVAL_MS', 10_000, 100, 86_400_000),
    maxBatchBytes: integer(env, 'GOUVERNAIL_MAX_BATCH_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxBatchEvents: integer(env, 'GOUVERNAIL_MAX_BATCH_EVENTS', 10_000, 1, 1_000_000),
    kek,
    jwt: Object.freeze({
      secret: jwtSecret,
      publicKeyFile: optional(env, 'GOUVERNAIL_JWT_PUBLIC_KEY_FILE'),
      jwksUrl: optional(env, 'GOUVERNAIL_JWT_JWKS_URL'),
      issuer: text(env, 'GOUVERNAIL_JWT_ISSUER', 'gouvernail'),
      audience: text(env, 'GOUVERNAIL_JWT_AUDIENCE', 'gouvernail'),
    }),
    logLevel,
  });
};
