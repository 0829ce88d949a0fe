import type { Database } from 'better-sqlite3';
import type { SharedTransaction } from '../../runner.js';
import type { Actor } from '../../../domain/primitives.js';
import { decodeConfigCursor, encodeConfigCursor } from '../cursor.js';
import type { JsonDiffOp } from '../diff.js';
import { configHistoryName } from '../evolve.js';
import type {
  ConfigChange,
  ConfigFilter,
  ConfigHistoryEntry,
  ConfigHistoryQuery,
  ConfigHistoryStore,
  ConfigKind,
  ConfigPage,
  CurrentSetting,
} from '../ports.js';
import { promised, sqliteProjectionStore } from '../../sqlite/projection-store.js';
import { configSchema, type CurrentRecord, type HistoryRecord } from './schema.js';

export interface SqliteConfigStoreDeps {
  /** The read-model database shared by all projections. */
  readonly db: Database;
  /** Checkpoint name; defaults to the projection's name. */
  readonly name?: string;
}

export const maxConfigPageSize = 1000;

const toEntry = (r: HistoryRecord): ConfigHistoryEntry => ({
  position: r.position,
  eventId: r.event_id,
  time: r.occurred_at,
  component: r.component,
  target: r.target,
  kind: r.kind as ConfigKind | null,
  before: JSON.parse(r.before_json) as unknown,
  after: JSON.parse(r.after_json) as unknown,
  diff: JSON.parse(r.diff_json) as JsonDiffOp[],
  actor: JSON.parse(r.actor_json) as Actor,
  changeRef: r.change_ref,
});

const toSetting = (r: CurrentRecord & { readonly event_id: string }): CurrentSetting => ({
  component: r.component,
  target: r.target,
  kind: r.kind as ConfigKind | null,
  value: JSON.parse(r.value_json) as unknown,
  position: r.position,
  eventId: r.event_id,
  time: r.occurred_at,
  actor: JSON.parse(r.actor_json) as Actor,
  changeRef: r.change_ref,
});

const filterSql = (f: ConfigFilter): string =>
  [
    f.component === undefined ? '1' : 'component = @component',
    f.target === undefined ? '1' : 'target = @target',
  ].join(' AND ');

const filterParams = (f: ConfigFilter): Record<string, string> => ({
  ...(f.component === undefined ? {} : { component: f.component }),
  ...(f.target === undefined ? {} : { target: f.target }),
});

/** Configuration history in the embedded SQLite read-model database (tables prefixed `config_`). */
export const createSqliteConfigStore = ({
  db,
  name = configHistoryName,
}: SqliteConfigStoreDeps): ConfigHistoryStore & {
  readonly shared: SharedTransaction<ConfigChange>;
} => {
  db.exec(configSchema);
  const insertHistory = db.prepare(`INSERT INTO config_history
    (position, event_id, occurred_at, component, target, kind, before_json, after_json, diff_json, actor_json, change_ref)
    VALUES (@position, @eventId, @time, @component, @target, @kind, @before, @after, @diff, @actor, @changeRef)
    ON CONFLICT DO NOTHING`);
  const upsertCurrent = db.prepare(`INSERT INTO config_current
    (component, target, kind, value_json, position, occurred_at, actor_json, change_ref)
    VALUES (@component, @target, @kind, @value, @position, @time, @actor, @changeRef)
    ON CONFLICT (component, target) DO UPDATE SET kind = excluded.kind, value_json = excluded.value_json,
      position = excluded.position, occurred_at = excluded.occurred_at, actor_json = excluded.actor_json, change_ref = excluded.change_ref`);
  const deleteCurrent = db.prepare('DELETE FROM config_current WHERE component = ? AND target = ?');
  const historyStmts = new Map<
    string,
    ReturnType<typeof db.prepare<Record<string, unknown>, HistoryRecord>>
  >();

  const applyOne = (c: ConfigChange): void => {
    switch (c.kind) {
      case 'historyAppended': {
        const e = c.entry;
        insertHistory.run({
          ...e,
          before: JSON.stringify(e.before),
          after: JSON.stringify(e.after),
          diff: JSON.stringify(e.diff),
          actor: JSON.stringify(e.actor),
        });
        return;
      }
      case 'settingSet':
        upsertCurrent.run({
          ...c.setting,
          value: JSON.stringify(c.setting.value),
          actor: JSON.stringify(c.setting.actor),
        });
        return;
      case 'settingRemoved':
        deleteCurrent.run(c.component, c.target);
        return;
    }
  };

  const projection = sqliteProjectionStore<ConfigChange>({
    db,
    name,
    write: (changes) => {
      for (const c of changes) applyOne(c);
    },
    clear: () => {
      db.exec('DELETE FROM config_history; DELETE FROM config_current;');
    },
  });

  const historyStmt = (where: string) => {
    let stmt = historyStmts.get(where);
    if (!stmt) {
      stmt = db.prepare<Record<string, unknown>, HistoryRecord>(
        `SELECT * FROM config_history WHERE ${where} ORDER BY position DESC LIMIT @limit`,
      );
      historyStmts.set(where, stmt);
    }
    return stmt;
  };

  const configHistory = (q: ConfigHistoryQuery): ConfigPage => {
    if (!Number.isInteger(q.first) || q.first < 0 || q.first > maxConfigPageSize) {
      throw new RangeError(`first must be an integer from 0 to ${maxConfigPageSize}`);
    }
    const after = q.after === undefined ? null : decodeConfigCursor(q.after);
    const where = filterSql(q) + (after === null ? '' : ' AND position < @after');
    const params = { ...filterParams(q), ...(after === null ? {} : { after }), limit: q.first + 1 };
    const records = historyStmt(where).all(params);
    const page = records.slice(0, q.first);
    const last = page.at(-1);
    return {
      rows: page.map(toEntry),
      endCursor: last ? encodeConfigCursor(last.position) : null,
      hasNextPage: records.length > q.first,
    };
  };

  // The event id is the history entry's at the setting's position (written in the same transaction).
  const currentConfig = (f: ConfigFilter): CurrentSetting[] =>
    db
      .prepare<Record<string, string>, CurrentRecord & { event_id: string }>(
        `SELECT c.*, (SELECT event_id FROM config_history h WHERE h.position = c.position) AS event_id
         FROM config_current c WHERE ${filterSql(f)} ORDER BY component, target`,
      )
      .all(filterParams(f))
      .map(toSetting);

  return {
    ...projection,
    configHistory: (q) => promised(() => configHistory(q)),
    currentConfig: (f) => promised(() => currentConfig(f)),
  };
};
