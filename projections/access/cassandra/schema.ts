import { accessRowColumns } from '../row-fields.js';
import type { AccessIndex } from '../ports.js';

/** One table per index, partitioned by (key, UTC day) and clustered newest first. */
export const accessTables: Readonly<Record<AccessIndex, string>> = {
  resource: 'access_by_resource',
  principal: 'access_by_principal',
  subject: 'access_by_subject',
};

/** The columns of every access table; the partition key column is the index's own field. */
export const accessColumns = ['day', 'time', 'position', ...accessRowColumns, 'subject'] as const;

const accessTable = (keyspace: string, index: AccessIndex): string => `
CREATE TABLE IF NOT EXISTS ${keyspace}.${accessTables[index]} (
  day text, time timestamp, position bigint,
  occurred_at text, event_id text, principal text, role text, resource text, action text,
  decision text, mechanism text, client_address text, operation text, subject text,
  PRIMARY KEY ((${index}, day), time, position)
) WITH CLUSTERING ORDER BY (time DESC, position DESC)`;

/** CQL that creates the keyspace (when missing) and every table the access store uses. */
export const accessSchema = (keyspace: string, replication: string): string[] => [
  `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${replication}`,
  `CREATE TABLE IF NOT EXISTS ${keyspace}.projection_checkpoints (name text PRIMARY KEY, position bigint)`,
  // One partition holds every policy, so the read path loads them all with one single-partition read.
  `CREATE TABLE IF NOT EXISTS ${keyspace}.access_retention (
     scope text, resource text, retention_days int, PRIMARY KEY (scope, resource))`,
  // The days that hold rows, per index and key: reads walk only these, purges find partitions here.
  `CREATE TABLE IF NOT EXISTS ${keyspace}.access_days (
     idx text, key text, day text, PRIMARY KEY ((idx, key), day)
   ) WITH CLUSTERING ORDER BY (day DESC)`,
  // The by-subject rows each erasure case deleted, by position (see `purgeSubject` in store.ts).
  // Not projected from the log: a reset keeps it.
  `CREATE TABLE IF NOT EXISTS ${keyspace}.access_erased_rows (
     case_id text, position bigint, PRIMARY KEY (case_id, position))`,
  accessTable(keyspace, 'resource'),
  accessTable(keyspace, 'principal'),
  accessTable(keyspace, 'subject'),
];

export const accessTruncations = (keyspace: string): string[] =>
  [...Object.values(accessTables), 'access_days', 'access_retention'].map(
    (t) => `TRUNCATE ${keyspace}.${t}`,
  );

export const defaultReplication = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

/** CQL identifiers we accept for a keyspace: unquoted, so case-insensitive and safe to interpolate. */
export const assertKeyspaceName = (keyspace: string): void => {
  if (!/^[a-zA-Z][a-zA-Z0-9_]{0,47}$/.test(keyspace)) {
    throw new RangeError(`invalid Cassandra keyspace name: ${keyspace}`);
  }
};
