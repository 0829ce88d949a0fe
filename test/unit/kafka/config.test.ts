import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config.js';
import { loadKafkaConfig } from '../../../src/kafka/config.js';

const on = { GOUVERNAIL_KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092' };

describe('loadKafkaConfig', () => {
  it('leaves Kafka off when no brokers are configured', () => {
    expect(loadKafkaConfig({})).toEqual({ enabled: false });
    expect(loadKafkaConfig({ GOUVERNAIL_KAFKA_BROKERS: ' ' })).toEqual({ enabled: false });
  });

  it('applies the defaults and returns a frozen object', () => {
    const c = loadKafkaConfig(on);
    expect(c).toEqual({
      enabled: true,
      brokers: ['kafka-1:9092', 'kafka-2:9092'],
      clientId: 'gouvernail',
      groupId: 'gouvernail-ingest',
      topics: {
        access: 'gouvernail.access',
        config: 'gouvernail.config',
        lineage: 'gouvernail.lineage',
        events: 'gouvernail.events',
        dlq: 'gouvernail.dlq',
        checkpoints: 'gouvernail.checkpoints',
      },
      tls: undefined,
      sasl: undefined,
      maxMessageBytes: 1048576,
      lagIntervalMs: 5000,
      collectorIntervalMs: 60000,
    });
    expect(Object.isFrozen(c)).toBe(true);
    if (c.enabled) {
      expect(Object.isFrozen(c.topics)).toBe(true);
      expect(Object.isFrozen(c.brokers)).toBe(true);
    }
  });

  it('reads topic names, ids, TLS and SASL', () => {
    const c = loadKafkaConfig({
      ...on,
      GOUVERNAIL_KAFKA_CLIENT_ID: 'gv-1',
      GOUVERNAIL_KAFKA_GROUP_ID: 'gv-ingest',
      GOUVERNAIL_KAFKA_TOPIC_ACCESS: 'audit.access',
      GOUVERNAIL_KAFKA_TOPIC_DLQ: 'audit.dlq',
      GOUVERNAIL_KAFKA_TLS: 'true',
      GOUVERNAIL_KAFKA_TLS_CA_FILE: '/etc/ca.pem',
      GOUVERNAIL_KAFKA_TLS_CERT_FILE: '/etc/cert.pem',
      GOUVERNAIL_KAFKA_TLS_KEY_FILE: '/etc/key.pem',
      GOUVERNAIL_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      GOUVERNAIL_KAFKA_SASL_USERNAME: 'gouvernail',
      GOUVERNAIL_KAFKA_SASL_PASSWORD: 's3cret',
    });
    expect(c).toMatchObject({
      clientId: 'gv-1',
      groupId: 'gv-ingest',
      topics: { access: 'audit.access', dlq: 'audit.dlq', config: 'gouvernail.config' },
      tls: { caFile: '/etc/ca.pem', certFile: '/etc/cert.pem', keyFile: '/etc/key.pem' },
      sasl: { mechanism: 'scram-sha-512', username: 'gouvernail', password: 's3cret' },
    });
  });

  it.each([
    [{ GOUVERNAIL_KAFKA_BROKERS: 'kafka-1' }, 'GOUVERNAIL_KAFKA_BROKERS'],
    [{ GOUVERNAIL_KAFKA_BROKERS: 'kafka-1:99999' }, 'GOUVERNAIL_KAFKA_BROKERS'],
    [{ GOUVERNAIL_KAFKA_BROKERS: ',' }, 'GOUVERNAIL_KAFKA_BROKERS'],
    [{ ...on, GOUVERNAIL_KAFKA_TOPIC_LINEAGE: 'bad topic' }, 'GOUVERNAIL_KAFKA_TOPIC_LINEAGE'],
    [{ ...on, GOUVERNAIL_KAFKA_GROUP_ID: 'a/b' }, 'GOUVERNAIL_KAFKA_GROUP_ID'],
    [
      { ...on, GOUVERNAIL_KAFKA_TOPIC_EVENTS: 'gouvernail.access' },
      'GOUVERNAIL_KAFKA_TOPIC_ACCESS',
    ],
    [{ ...on, GOUVERNAIL_KAFKA_TOPIC_DLQ: 'gouvernail.events' }, 'GOUVERNAIL_KAFKA_TOPIC_DLQ'],
    [{ ...on, GOUVERNAIL_KAFKA_TLS: 'yes' }, 'GOUVERNAIL_KAFKA_TLS'],
    [{ ...on, GOUVERNAIL_KAFKA_TLS_CA_FILE: '/etc/ca.pem' }, 'GOUVERNAIL_KAFKA_TLS_CA_FILE'],
    [
      { ...on, GOUVERNAIL_KAFKA_TLS: 'true', GOUVERNAIL_KAFKA_TLS_CERT_FILE: '/c.pem' },
      'GOUVERNAIL_KAFKA_TLS_KEY_FILE',
    ],
    [{ ...on, GOUVERNAIL_KAFKA_SASL_MECHANISM: 'gssapi' }, 'GOUVERNAIL_KAFKA_SASL_MECHANISM'],
    [
      { ...on, GOUVERNAIL_KAFKA_SASL_MECHANISM: 'plain', GOUVERNAIL_KAFKA_SASL_PASSWORD: 'x' },
      'GOUVERNAIL_KAFKA_SASL_USERNAME',
    ],
    [
      { ...on, GOUVERNAIL_KAFKA_SASL_MECHANISM: 'plain', GOUVERNAIL_KAFKA_SASL_USERNAME: 'u' },
      'GOUVERNAIL_KAFKA_SASL_PASSWORD',
    ],
    [{ ...on, GOUVERNAIL_KAFKA_SASL_USERNAME: 'u' }, 'GOUVERNAIL_KAFKA_SASL_MECHANISM'],
    [{ ...on, GOUVERNAIL_KAFKA_MAX_MESSAGE_BYTES: '1mb' }, 'GOUVERNAIL_KAFKA_MAX_MESSAGE_BYTES'],
    [
      { ...on, GOUVERNAIL_KAFKA_COLLECTOR_INTERVAL_MS: '10' },
      'GOUVERNAIL_KAFKA_COLLECTOR_INTERVAL_MS',
    ],
  ])('fails fast naming the bad key: %j', (env, key) => {
    expect(() => loadKafkaConfig(env)).toThrow(ConfigError);
    expect(() => loadKafkaConfig(env)).toThrow(key);
  });

  it('never puts the SASL password in an error message', () => {
    const env = {
      ...on,
      GOUVERNAIL_KAFKA_SASL_MECHANISM: 'kerberos',
      GOUVERNAIL_KAFKA_SASL_USERNAME: 'u',
      GOUVERNAIL_KAFKA_SASL_PASSWORD: 'hunter2',
    };
    expect(() => loadKafkaConfig(env)).toThrow(/^(?!.*hunter2)/);
  });
});
