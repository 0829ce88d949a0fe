import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import kafkajs, {
  type Kafka,
  type KafkaConfig as KafkaJsConfig,
  type LogEntry,
  type logCreator,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from '../logger.js';
import { ConfigError } from '../config.js';
import type { KafkaSettings } from './config.js';
import { registerKafkaCodecs } from './codecs.js';

/** kafkajs is CommonJS and Node only sees part of its exports as named ones: take them from the default. */
export const {
  Kafka: KafkaClient,
  logLevel,
  ConfigResourceTypes,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
} = kafkajs;

const readPem = (file: string, key: string): Buffer => {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ConfigError(`${key}: cannot read '${file}' (${(e as Error).message})`);
  }
};

/** kafkajs log lines through our pino logger, at kafkajs' own level mapping. */
export const pinoLogCreator =
  (log: Logger): logCreator =>
  () =>
  ({ namespace, level, log: entry }: LogEntry) => {
    const { message, ...extra } = entry;
    const fields = { kafkajs: namespace, ...extra, timestamp: undefined };
    if (level === logLevel.ERROR) log.error(fields, message);
    else if (level === logLevel.WARN) log.warn(fields, message);
    else if (level === logLevel.INFO) log.info(fields, message);
    else log.debug(fields, message);
  };

/** The kafkajs client options for our settings; TLS files are read here, failing fast naming the key. */
export const kafkaClientOptions = (settings: KafkaSettings, log: Logger): KafkaJsConfig => {
  let ssl: ConnectionOptions | undefined;
  if (settings.tls) {
    const { caFile, certFile, keyFile } = settings.tls;
    ssl = {
      ...(caFile ? { ca: [readPem(caFile, 'GOUVERNAIL_KAFKA_TLS_CA_FILE')] } : {}),
      ...(certFile ? { cert: readPem(certFile, 'GOUVERNAIL_KAFKA_TLS_CERT_FILE') } : {}),
      ...(keyFile ? { key: readPem(keyFile, 'GOUVERNAIL_KAFKA_TLS_KEY_FILE') } : {}),
    };
  }
  return {
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    ...(ssl ? { ssl } : {}),
    ...(settings.sasl ? { sasl: { ...settings.sasl } as SASLOptions } : {}),
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(log.child({ component: 'kafkajs' })),
  };
};

const TLS_HINTS: readonly [RegExp, string][] = [
  [
    /self[- ]signed certificate|unable to (verify|get issuer)|certificate has expired|does not match certificate/i,
    "TLS: the broker's certificate is not trusted; check GOUVERNAIL_KAFKA_TLS_CA_FILE",
  ],
  [
    /alert (bad certificate|certificate required|unknown ca|certificate unknown)/i,
    'TLS: the broker refused the client certificate or wants one; check GOUVERNAIL_KAFKA_TLS_CERT_FILE and GOUVERNAIL_KAFKA_TLS_KEY_FILE',
  ],
  [
    /wrong version number|packet length too long|disconnected before secure TLS connection/i,
    'TLS: the broker may not answer TLS on this port; check GOUVERNAIL_KAFKA_TLS and GOUVERNAIL_KAFKA_BROKERS',
  ],
];

/** What to check when connecting failed with this TLS error, naming our settings; undefined for any other error. */
export const tlsHint = (message: string): string | undefined =>
  TLS_HINTS.find(([pattern]) => pattern.test(message))?.[1];

/** A kafkajs client for our settings, able to read every compression Kafka producers use. */
export const createKafkaClient = (settings: KafkaSettings, log: Logger): Kafka => {
  registerKafkaCodecs();
  return new KafkaClient(kafkaClientOptions(settings, log));
};
