import type { Database, Statement } from 'better-sqlite3';
import type { SharedTransaction } from '../../runner.js';
import { encodeAccessCursor } from '../cursor.js';
import { accessHistoryName } from '../evolve.js';
import type {
  AccessChange,
  AccessHistoryQuery,
  AccessHistoryStore,
  AccessRow,
  Page,
} from '../ports.js';
import { resolveAccessQuery, type ResolvedAccessQuery } from '../query.js';
import { promised, sqliteProjectionStore } from '../../sqlite/projection-store.js';
import { toAccessRow, type AccessRecord } from './rows.js';
import { accessSchema, retentionCutoff, withinRetention } from './schema.js';

export interface SqliteAccessStoreDeps {
  /** The read-model database shared by all projections. */
  readonly db: Database;
  /** Checkpoint name; defaults to the projection's name. */
  readonly name?: string;
  /** Clock used to hide rows past their retention period; defaults to the system clock. */
  readonly now?: () => Date;
}

const rowColumns = 16;
const rowsPerInsert = 32;
const rowPlaceholders = `(${Array.from({ length: rowColumns }, () => '?').join(', ')})`;

const whereOf = (q: ResolvedAccessQuery): { sql: string; params: Record<string, unknown> } => {
  const conds = ['r.idx = @idx', 'r.key = @key', withinRetention];
  const params: Record<string, unknown> = { idx: q.index, key: q.key };
  const optional = {
    fromMs: 'r.time_ms >= @fromMs',
    toMs: 'r.time_ms < @toMs',
    action: 'r.action = @action',
    decision: 'r.decision = @decision',
  };
  for (const [name, cond] of Object.entries(optional)) {
    const value = q[name as keyof typeof optional];
    if (value !== null) {
      conds.push(cond);
      params[name] = value;
    }
  }
  if (q.after !== null) {
    conds.push('(r.time_ms < @afterMs OR (r.time_ms = @afterMs AND r.position < @afterPos))');
    params.afterMs = q.after.timeMs;
    params.afterPos = q.after.position;
  }
  return { sql: conds.join(' AND '), params };
};

/** Access history in the embedded SQLite read-model database (tables prefixed `access_`). */
export const createSqliteAccessStore = ({
  db,
  name = accessHistoryName,
  now = () => new Date(),
}: SqliteAccessStoreDeps): AccessHistoryStore & {
  readonly shared: SharedTransaction<AccessChange>;
} => {
  db.exec(accessSchema);
  const insertStatements = new Map<number, Statement>();
  /** Inserts `n` rows in one statement, each skipped if already there. */
  const insertRows = (n: number): Statement => {
    let stmt = insertStatements.get(n);
    if (!stmt) {
      stmt = db.prepare(`INSERT INTO access_rows
        (idx, key, position, day, time_ms, occurred_at, event_id, principal, role, resource, action, decision, mechanism, client_address, operation, subject)
        VALUES ${Array.from({ length: n }, () => rowPlaceholders).join(', ')}
        ON CONFLICT DO NOTHING`);
      insertStatements.set(n, stmt);
    }
    return stmt;
  };
  const setRetention = db.prepare(
    'INSERT INTO access_retention (resource, retention_days) VALUES (?, ?) ON CONFLICT (resource) DO UPDATE SET retention_days = excluded.retention_days',
  );
  const deleteSubject = db.prepare("DELETE FROM access_rows WHERE idx = 'subject' AND key = ?");
  const policies = db.prepare<[], { resource: string; retention_days: number }>(
    'SELECT resource, retention_days FROM access_retention',
  );
  const purgeResource = db.prepare('DELETE FROM access_rows WHERE resource = ? AND time_ms < ?');
  const purgeDefault = db.prepare(
    "DELETE FROM access_rows WHERE time_ms < ? AND resource NOT IN (SELECT resource FROM access_retention WHERE resource <> '*')",
  );
  const queries = new Map<string, Statement<Record<string, unknown>, AccessRecord>>();

  // Row values wait here until `rowsPerInsert` rows fill one statement, or another kind of
  // change (or the end of the batch) comes.
  const pending: unknown[] = new Array<unknown>(rowsPerInsert * rowColumns);
  let pendingRows = 0;
  const flushRows = (): void => {
    if (pendingRows === 0) return;
    const values =
      pendingRows === rowsPerInsert ? pending : pending.slice(0, pendingRows * rowColumns);
    pendingRows = 0;
    insertRows(values.length / rowColumns).run(values);
  };

  const applyOne = (c: AccessChange): void => {
    if (c.kind === 'rowIndexed') {
      const r = c.row;
      let i = pendingRows * rowColumns;
      pending[i++] = c.index;
      pending[i++] = c.key;
      pending[i++] = r.position;
      pending[i++] = c.day;
      pending[i++] = c.timeMs;
      pending[i++] = r.time;
      pending[i++] = r.eventId;
      pending[i++] = r.principal;
      pending[i++] = r.role;
      pending[i++] = r.resource;
      pending[i++] = r.action;
      pending[i++] = r.decision;
      pending[i++] = r.mechanism;
      pending[i++] = r.clientAddress;
      pending[i++] = r.operation;
      pending[i] = r.subject;
      if (++pendingRows === rowsPerInsert) flushRows();
      return;
    }
    flushRows();
    switch (c.kind) {
      case 'retentionSet':
        setRetention.run(c.resource, c.retentionDays);
        return;
      case 'subjectErased':
        deleteSubject.run(c.subject);
        return;
    }
  };

  const projection = sqliteProjectionStore<AccessChange>({
    db,
    name,
    write: (changes) => {
      try {
        for (const c of changes) applyOne(c);
        flushRows();
      } finally {
        pendingRows = 0;
      }
    },
    clear: () => {
      db.exec('DELETE FROM access_rows; DELETE FROM access_retention;');
    },
  });

  const purgeTx = db.transaction((nowMs: number) => {
    let purged = 0;
    for (const p of policies.all()) {
      const cutoff = retentionCutoff(nowMs, p.retention_days);
      purged += (
        p.resource === '*' ? purgeDefault.run(cutoff) : purgeResource.run(p.resource, cutoff)
      ).changes;
    }
    return purged;
  });

  const select = (where: string): Statement<Record<string, unknown>, AccessRecord> => {
    let stmt = queries.get(where);
    if (!stmt) {
      stmt = db.prepare(
        `SELECT * FROM access_rows r WHERE ${where} ORDER BY r.time_ms DESC, r.position DESC LIMIT @limit`,
      );
      queries.set(where, stmt);
    }
    return stmt;
  };

  const accessHistory = (query: AccessHistoryQuery): Page<AccessRow> => {
    const q = resolveAccessQuery(query);
    const { sql, params } = whereOf(q);
    const records = select(sql).all({ ...params, now: now().getTime(), limit: q.first + 1 });
    const page = records.slice(0, q.first);
    const last = page.at(-1);
    return {
      rows: page.map(toAccessRow),
      endCursor: last
        ? encodeAccessCursor({ timeMs: last.time_ms, position: last.position })
        : null,
      hasNextPage: records.length > q.first,
    };
  };

  return {
    ...projection,
    accessHistory: (query) => promised(() => accessHistory(query)),
    purgeExpired: (at) => promised(() => purgeTx(at.getTime())),
    purgeSubject: (subject) => promised(() => deleteSubject.run(subject).changes),
  };
};
