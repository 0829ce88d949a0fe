import { concurrent, type Client } from 'cassandra-driver';
import { interruptibleReset, resetBegun } from '../../interrupted-reset.js';
import { accessHistoryName } from '../evolve.js';
import type { AccessChange, AccessHistoryStore, AccessIndex } from '../ports.js';
import { resolveAccessQuery } from '../query.js';
import { accessRowValues } from '../row-fields.js';
import { readAccessPage, rowsOf } from './read.js';
import {
  cutoffOf,
  dayMs,
  dayStartMs,
  num,
  retentionOf,
  timeMsOf,
  ttlOf,
  type Policies,
} from './rows.js';
import {
  accessColumns,
  accessSchema,
  accessTables,
  accessTruncations,
  assertKeyspaceName,
  defaultReplication,
} from './schema.js';

export interface CassandraAccessStoreDeps {
  /** A connected-or-not driver client; its default consistency (e.g. LOCAL_QUORUM) applies. */
  readonly client: Client;
  /** Keyspace of the tables; created when missing with `replication`. */
  readonly keyspace: string;
  /** CQL replication map used only when the keyspace does not exist yet; default SimpleStrategy, RF 1. */
  readonly replication?: string;
  /** Checkpoint name; defaults to the projection's name. */
  readonly name?: string;
  /**
   * Clock for TTLs (retention left at write time) and for hiding rows past retention; defaults to
   * the system clock. Tests set it close to a row's expiry to get a TTL of a few seconds.
   */
  readonly now?: () => Date;
  /** In-flight statements per batch or purge; default 32. */
  readonly concurrencyLevel?: number;
  /** Day partitions one page may read before returning a short page; default 400. */
  readonly maxDaysScanned?: number;
}

/** The access store, plus schema creation for the composition root to call (and fail) early. */
export interface CassandraAccessStore extends AccessHistoryStore {
  ensureSchema(): Promise<void>;
}

const retentionScope = 'access-history';

type RowChange = Extract<AccessChange, { kind: 'rowIndexed' }>;

/** Runs `work` over `items` with at most `limit` in flight; resolves to the results in order. */
const mapLimit = async <T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> => {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
};

/**
 * Access history in Cassandra: one table per index partitioned by (key, UTC day), rows written with
 * a TTL equal to what is left of their retention period, and an `access_days` table listing the
 * days each key has rows on. Writes are idempotent upserts (the primary key is the row's identity),
 * so a batch replayed after a crash rewrites the same rows; the checkpoint only moves forward
 * (lightweight transaction). One writer per projection is assumed.
 */
/** Rows read, and erased rows noted, per round trip when an erasure purges a subject. */
const NOTE_PAGE = 1000;

export const createCassandraAccessStore = ({
  client,
  keyspace,
  replication = defaultReplication,
  name = accessHistoryName,
  now = () => new Date(),
  concurrencyLevel = 32,
  maxDaysScanned = 400,
}: CassandraAccessStoreDeps): CassandraAccessStore => {
  assertKeyspaceName(keyspace);
  const ks = keyspace;
  const opts = { prepare: true } as const;
  const cql = {
    getCheckpoint: `SELECT position FROM ${ks}.projection_checkpoints WHERE name = ?`,
    insertCheckpoint: `INSERT INTO ${ks}.projection_checkpoints (name, position) VALUES (?, ?) IF NOT EXISTS`,
    advanceCheckpoint: `UPDATE ${ks}.projection_checkpoints SET position = ? WHERE name = ? IF position < ?`,
    beginReset: `INSERT INTO ${ks}.projection_checkpoints (name, position) VALUES (?, ${resetBegun}) IF NOT EXISTS`,
    moveToResetBegun: `UPDATE ${ks}.projection_checkpoints SET position = ${resetBegun} WHERE name = ? IF EXISTS`,
    endReset: `DELETE FROM ${ks}.projection_checkpoints WHERE name = ? IF position = ${resetBegun}`,
    policies: `SELECT resource, retention_days FROM ${ks}.access_retention WHERE scope = ?`,
    setPolicy: `INSERT INTO ${ks}.access_retention (scope, resource, retention_days) VALUES (?, ?, ?)`,
    insertDay: `INSERT INTO ${ks}.access_days (idx, key, day) VALUES (?, ?, ?)`,
    daysOf: `SELECT day FROM ${ks}.access_days WHERE idx = ? AND key = ?`,
    allDays: `SELECT idx, key, day FROM ${ks}.access_days`,
    deleteDay: `DELETE FROM ${ks}.access_days WHERE idx = ? AND key = ? AND day = ?`,
    deleteDays: `DELETE FROM ${ks}.access_days WHERE idx = ? AND key = ?`,
    noteErased: `INSERT INTO ${ks}.access_erased_rows (case_id, position) VALUES (?, ?)`,
    erasedByCase: `SELECT COUNT(*) AS n FROM ${ks}.access_erased_rows WHERE case_id = ?`,
    insertRow: (i: AccessIndex) =>
      `INSERT INTO ${ks}.${accessTables[i]} (${accessColumns.join(', ')})
       VALUES (${accessColumns.map(() => '?').join(', ')}) USING TTL ?`,
    partition: (i: AccessIndex) =>
      `SELECT time, position, resource FROM ${ks}.${accessTables[i]} WHERE ${i} = ? AND day = ?`,
    wholePartition: (i: AccessIndex) =>
      `SELECT ${accessColumns.join(', ')} FROM ${ks}.${accessTables[i]} WHERE ${i} = ? AND day = ?`,
    deletePartition: (i: AccessIndex) =>
      `DELETE FROM ${ks}.${accessTables[i]} WHERE ${i} = ? AND day = ?`,
    deleteRow: (i: AccessIndex) =>
      `DELETE FROM ${ks}.${accessTables[i]} WHERE ${i} = ? AND day = ? AND time = ? AND position = ?`,
  };

  let schema: Promise<void> | undefined;
  const ensureSchema = (): Promise<void> => {
    schema ??= (async () => {
      for (const statement of accessSchema(ks, replication)) await client.execute(statement);
    })().catch((error: unknown) => {
      schema = undefined;
      throw error;
    });
    return schema;
  };

  const { checkpoint, reset } = interruptibleReset({
    read: async () => {
      await ensureSchema();
      const row = (await client.execute(cql.getCheckpoint, [name], opts)).first();
      return row ? num(row.get('position')) : null;
    },
    begin: async () => {
      await ensureSchema();
      const inserted = await client.execute(cql.beginReset, [name], opts);
      if (!inserted.wasApplied()) await client.execute(cql.moveToResetBegun, [name], opts);
    },
    clear: async () => {
      for (const statement of accessTruncations(ks)) await client.execute(statement);
    },
    end: async () => {
      await client.execute(cql.endReset, [name], opts);
    },
  });

  const advance = async (position: number): Promise<void> => {
    const inserted = await client.execute(cql.insertCheckpoint, [name, position], opts);
    if (!inserted.wasApplied()) {
      await client.execute(cql.advanceCheckpoint, [position, name, position], opts);
    }
  };

  const loadPolicies = async (): Promise<Map<string, number>> => {
    const rs = await client.execute(cql.policies, [retentionScope], opts);
    return new Map(
      rs.rows.map((r) => [r.get('resource') as string, r.get('retention_days') as number]),
    );
  };

  const runAll = (queries: { query: string; params: unknown[] }[]) =>
    concurrent.executeConcurrent(client, queries, { concurrencyLevel, raiseOnFirstError: true });

  const writeRows = async (rows: readonly RowChange[], policies: Policies): Promise<void> => {
    const nowMs = now().getTime();
    const kept = rows.flatMap((c) => {
      const ttl = ttlOf(policies, c.row.resource, c.timeMs, nowMs);
      return ttl === null ? [] : [{ c, ttl }];
    });
    if (kept.length === 0) return;
    const days = new Map(kept.map(({ c }) => [`${c.index}\u0000${c.key}\u0000${c.day}`, c]));
    // Day entries first: a row is never written where a read cannot find it.
    await runAll(
      [...days.values()].map((c) => ({ query: cql.insertDay, params: [c.index, c.key, c.day] })),
    );
    await runAll(
      kept.map(({ c, ttl }) => {
        const r = c.row;
        return {
          query: cql.insertRow(c.index),
          params: [c.day, new Date(c.timeMs), r.position, ...accessRowValues(r), r.subject, ttl],
        };
      }),
    );
  };

  /**
   * Deletes the subject's by-subject partitions and their day entries. With a case, first notes the
   * position of every row about to go in `access_erased_rows` under that case.
   *
   * Cassandra has no transaction across tables, so the note cannot commit with the delete as in
   * SQLite. Noting first, with idempotent upserts keyed by (case, position), is safe to retry: a
   * crash after noting and before (or while) deleting leaves rows that the re-run notes again (same
   * keys, counted once) and deletes; a crash after deleting leaves the note of every deleted row. A
   * logged batch of the notes and the partition deletes would be atomic, but it needs a statement
   * per row, and a subject with thousands of accesses would pass Cassandra's batch size limit.
   */
  const deleteSubjectRows = async (subject: string, caseId: string | null): Promise<void> => {
    await ensureSchema();
    const days = (await client.execute(cql.daysOf, ['subject', subject], opts)).rows.map(
      (r) => r.get('day') as string,
    );
    if (caseId !== null) {
      // Noted a page at a time: a subject with a long history is never held in memory whole.
      let notes: { query: string; params: unknown[] }[] = [];
      for (const day of days) {
        for await (const r of rowsOf(client, cql.partition('subject'), [subject, day], NOTE_PAGE)) {
          notes.push({ query: cql.noteErased, params: [caseId, r.get('position')] });
          if (notes.length >= NOTE_PAGE) {
            await runAll(notes);
            notes = [];
          }
        }
      }
      await runAll(notes);
    }
    await mapLimit(days, concurrencyLevel, (day) =>
      client.execute(cql.deletePartition('subject'), [subject, day], opts),
    );
    await client.execute(cql.deleteDays, ['subject', subject], opts);
  };

  const purgeSubject = async (subject: string, caseId: string): Promise<number> => {
    await deleteSubjectRows(subject, caseId);
    const n = (await client.execute(cql.erasedByCase, [caseId], opts)).first();
    return n ? num(n.get('n')) : 0;
  };

  /**
   * After a policy change, rewrites with their new TTL the rows it lets live longer: a TTL is fixed
   * when a row is written, so without this a lengthened period would still delete rows on the old
   * date. Only partitions young enough to hold a row still alive under the old policies are read.
   * Rows already gone under the old period stay gone.
   */
  const extendRetention = async (
    before: Policies,
    after: Policies,
    changed: string,
  ): Promise<void> => {
    const longer = (resource: string): boolean => {
      const was = retentionOf(before, resource);
      const is = retentionOf(after, resource);
      return was !== undefined && (is === undefined || is > was);
    };
    if (!longer(changed)) return;
    const nowMs = now().getTime();
    const horizon = nowMs - (Math.max(...before.values()) + 1) * dayMs;
    const partitions: { index: AccessIndex; key: string; day: string }[] = [];
    for await (const r of rowsOf(client, cql.allDays, [], 1000)) {
      const day = r.get('day') as string;
      if (dayStartMs(day) >= horizon)
        partitions.push({ index: r.get('idx') as AccessIndex, key: r.get('key') as string, day });
    }
    await mapLimit(partitions, concurrencyLevel, async ({ index, key, day }) => {
      const rewrites: { query: string; params: unknown[] }[] = [];
      for await (const r of rowsOf(client, cql.wholePartition(index), [key, day], 1000)) {
        const resource = r.get('resource') as string;
        if (!longer(resource)) continue;
        const ttl = ttlOf(after, resource, timeMsOf(r), nowMs);
        if (ttl === null) continue;
        rewrites.push({
          query: cql.insertRow(index),
          params: [...accessColumns.map((column) => r.get(column) as unknown), ttl],
        });
      }
      for (const w of rewrites) await client.execute(w.query, w.params, opts);
    });
  };

  const apply = async (changes: readonly AccessChange[], position: number): Promise<void> => {
    if (position <= (await checkpoint())) return;
    const policies = await loadPolicies();
    let pending: RowChange[] = [];
    const flush = async () => {
      await writeRows(pending, policies);
      pending = [];
    };
    for (const c of changes) {
      switch (c.kind) {
        case 'rowIndexed':
          pending.push(c);
          break;
        case 'retentionSet': {
          await flush();
          const before = new Map(policies);
          policies.set(c.resource, c.retentionDays);
          // Rows first, policy after: a batch retried after a failure part-way still finds the old
          // period stored, and extends the rows again (rewriting one twice is harmless).
          await extendRetention(before, policies, c.resource);
          await client.execute(cql.setPolicy, [retentionScope, c.resource, c.retentionDays], opts);
          break;
        }
        case 'subjectErased':
          await flush();
          await deleteSubjectRows(c.subject, null);
          break;
      }
    }
    await flush();
    await advance(position);
  };

  /** Deletes the expired rows of one (index, key, day) partition, and its day entry once empty. */
  const purgePartition = async (
    index: AccessIndex,
    key: string,
    day: string,
    policies: Policies,
    nowMs: number,
  ): Promise<number> => {
    let total = 0;
    const expired: { time: Date; position: unknown }[] = [];
    for await (const r of rowsOf(client, cql.partition(index), [key, day], 1000)) {
      total += 1;
      if (timeMsOf(r) < cutoffOf(policies, r.get('resource') as string, nowMs)) {
        expired.push({ time: r.get('time') as Date, position: r.get('position') });
      }
    }
    await mapLimit(expired, concurrencyLevel, (x) =>
      client.execute(cql.deleteRow(index), [key, day, x.time, x.position], opts),
    );
    if (expired.length === total) await client.execute(cql.deleteDay, [index, key, day], opts);
    return expired.length;
  };

  const purgeExpired = async (at: Date): Promise<number> => {
    await ensureSchema();
    const policies = await loadPolicies();
    if (policies.size === 0) return 0;
    const nowMs = at.getTime();
    const horizon = nowMs - Math.min(...policies.values()) * dayMs;
    const candidates: { index: AccessIndex; key: string; day: string }[] = [];
    for await (const r of rowsOf(client, cql.allDays, [], 1000)) {
      const day = r.get('day') as string;
      if (dayStartMs(day) < horizon) {
        candidates.push({ index: r.get('idx') as AccessIndex, key: r.get('key') as string, day });
      }
    }
    const purged = await mapLimit(candidates, concurrencyLevel, (p) =>
      purgePartition(p.index, p.key, p.day, policies, nowMs),
    );
    return purged.reduce((a, b) => a + b, 0);
  };

  return {
    ensureSchema,
    checkpoint,
    apply,
    reset,
    accessHistory: async (query) => {
      const q = resolveAccessQuery(query);
      await ensureSchema();
      const policies = await loadPolicies();
      return readAccessPage({ client, keyspace: ks, maxDaysScanned }, q, policies, now().getTime());
    },
    purgeExpired,
    purgeSubject,
  };
};
