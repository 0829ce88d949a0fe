import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';

const contactPoints = (value: string) =>
  loadConfig({ GOUVERNAIL_CASSANDRA_CONTACT_POINTS: value }).cassandra.contactPoints;

describe('GOUVERNAIL_CASSANDRA_CONTACT_POINTS', () => {
  it('takes hosts with or without a port', () => {
    expect(contactPoints(' cass-1:9042, cass-2 ,[::1]:9142')).toEqual([
      'cass-1:9042',
      'cass-2',
      '[::1]:9142',
    ]);
  });

  it.each(['127.0.0.1:99999', '127.0.0.1:0', 'cass-1:', 'cass 1:9042'])(
    "refuses '%s', naming the variable",
    (point) => {
      expect(() => contactPoints(`cass-0:9042,${point}`)).toThrow(
        `GOUVERNAIL_CASSANDRA_CONTACT_POINTS must be a comma-separated list of host or host:port (port 1 to 65535), got '${point}'`,
      );
    },
  );

  it('refuses an empty list', () => {
    expect(() => contactPoints(' , ')).toThrow(
      'GOUVERNAIL_CASSANDRA_CONTACT_POINTS must list at least one host or host:port',
    );
  });
});
