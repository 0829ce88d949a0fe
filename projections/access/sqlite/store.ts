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
import { createRowBuffer } from '../../sqlite/row-buffer.js';
import { accessRowValues } from '../row-fields.js';
import { toAccessRow, type AccessRecord } from './rows.js';
import {
  accessEventColumns,
  accessSchema,
  migrateOldAccessLayout,
  notOwnResource,
  retentionCutoff,
  withinRetention,
} from './schema.js';

export interface SqliteAccessStoreDeps {
  /** The read-model database shared by all projections. */
  readonly db: Database;
  /** Checkpoint name; defaults to the projection's name. */
  readonly name?: string;
  /** Clock used to hide rows past their retention period; defaults to the system clock. */
  readonly now?: () => Date;
}

const whereOf = (q: ResolvedAccessQuery): { sql: string; params: Record<string, unknown> } => {
  const conds = ['k.idx = @idx', 'k.key = @key', withinRetention];
  const params: Record<string, unknown> = { idx: q.index, key: q.key };
  const optional = {
    fromMs: 'k.time_ms >= @fromMs',
    toMs: 'k.time_ms < @toMs',
    action: 'e.action = @action',
    decision: 'e.decision = @decision',
  };
  for (const [name, cond] of Object.entries(optional)) {
    const value = q[name as keyof typeof optional];
    if (value !== null) {
      conds.push(cond);
      params[name] = value;
    }
  }
  if (q.after !== null) {
    conds.push('(k.time_ms < @afterMs OR (k.time_ms = @afterMs AND k.position < @afterPos))');
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
  migrateOldAccessLayout(db);
  const events = createRowBuffer(db, 'access_events', accessEventColumns);
  const keys = createRowBuffer(db, 'access_keys', ['idx', 'key', 'time_ms', 'position']);
  const setRetention = db.prepare(
    'INSERT INTO access_retention (resource, retention_days) VALUES (?, ?) ON CONFLICT (resource) DO UPDATE SET retention_days = excluded.retention_days',
  );
  const deleteSubject = db.prepare("DELETE FROM access_keys WHERE idx = 'subject' AND key = ?");
  const noteErasedRows = db.prepare(
    "INSERT INTO access_erased_rows (case_id, position) SELECT ?, position FROM access_keys WHERE idx = 'subject' AND key = ? ON CONFLICT DO NOTHING",
  );
  const erasedByCase = db
    .prepare<[string], number>('SELECT count(*) FROM access_erased_rows WHERE case_id = ?')
    .pluck();
  const policies = db.prepare<[], { resource: string; retention_days: number }>(
    'SELECT resource, retention_days FROM access_retention',
  );
  const expiredOfResource = 'SELECT position FROM access_events WHERE resource = ? AND time_ms < ?';
  // The default policy does not reach gouvernail's own resources (the self-audit).
  const expiredByDefault = `SELECT position FROM access_events WHERE time_ms < ? AND resource NOT IN (SELECT resource FROM access_retention WHERE resource <> '*') AND ${notOwnResource('resource')}`;
  const purgeKeysOfResource = db.prepare(
    `DELETE FROM access_keys WHERE position IN (${expiredOfResource})`,
  );
  const purgeEventsOfResource = db.prepare(
    `DELETE FROM access_events WHERE position IN (${expiredOfResource})`,
  );
  const purgeKeysByDefault = db.prepare(
    `DELETE FROM access_keys WHERE position IN (${expiredByDefault})`,
  );
  const purgeEventsByDefault = db.prepare(
    `DELETE FROM access_events WHERE position IN (${expiredByDefault})`,
  );
  const queries = new Map<string, Statement<Record<string, unknown>, AccessRecord>>();

  // The changes of one event come together: its event row is written with its first key row.
  let lastEvent = -1;
  const applyOne = (c: AccessChange): void => {
    if (c.kind === 'rowIndexed') {
      const r = c.row;
      if (r.position !== lastEvent) {
        lastEvent = r.position;
        events.add([r.position, c.timeMs, ...accessRowValues(r)]);
      }
      keys.add([c.index, c.key, c.timeMs, r.position]);
      return;
    }
    events.flush();
    keys.flush();
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
        events.flush();
        keys.flush();
      } finally {
        events.discard();
        keys.discard();
        lastEvent = -1;
      }
    },
    clear: () => {
      db.exec('DELETE FROM access_keys; DELETE FROM access_events; DELETE FROM access_retention;');
    },
  });

  const purgeTx = db.transaction((nowMs: number) => {
    let purged = 0;
    for (const p of policies.all()) {
      const cutoff = retentionCutoff(nowMs, p.retention_days);
      // Key rows first: they are found through the events about to be deleted.
      if (p.resource === '*') {
        purged += purgeKeysByDefault.run(cutoff).changes;
        purgeEventsByDefault.run(cutoff);
      } else {
        purged += purgeKeysOfResource.run(p.resource, cutoff).changes;
        purgeEventsOfResource.run(p.resource, cutoff);
      }
    }
    return purged;
  });

  // The rows are noted in the transaction that deletes them: a crash keeps both or neither.
  const purgeSubjectTx = db.transaction((subject: string, caseId: string) => {
    noteErasedRows.run(caseId, subject);
    deleteSubject.run(subject);
    return erasedByCase.get(caseId) ?? 0;
  });

  const select = (where: string): Statement<Record<string, unknown>, AccessRecord> => {
    let stmt = queries.get(where);
    if (!stmt) {
      stmt = db.prepare(
        `SELECT e.*, CASE WHEN k.idx = 'subject' THEN k.key END AS subject
         FROM access_keys k JOIN access_events e ON e.position = k.position
         WHERE ${where} ORDER BY k.time_ms DESC, k.position DESC LIMIT @limit`,
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
    purgeSubject: (subject, caseId) => promised(() => purgeSubjectTx(subject, caseId)),
  };
};
