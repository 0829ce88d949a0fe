import type { Database } from 'better-sqlite3';
import { OWN_RESOURCE_PREFIX } from '../../../domain/producer-rules.js';
import { accessRowColumns } from '../row-fields.js';

/**
 * Each access is one row of `access_events`, appended in log order (its rowid is its position), and
 * one narrow row per lookup key in `access_keys`: by resource, by principal, and by each subject.
 * A page walks `access_keys` for one key, newest first, and joins the event rows. The wide rows are
 * written once, at the end of the table, where a row per key clustered by key cost a write into a
 * random page per key: three times the bytes and most of the projection's time.
 *
 * `access_keys_by_position` lets a retention purge find the key rows of the events it deletes;
 * the purges walk `access_events_by_age` from the oldest event. Both grow at their end.
 *
 * `access_erased_rows` names, by position, the by-subject rows each erasure case deleted, so the
 * case's count survives a crash before it was recorded. It is not projected from the log: a rebuild
 * keeps it.
 */
export const accessSchema = `
CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS access_events (
  position INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  occurred_at TEXT NOT NULL,
  event_id TEXT NOT NULL,
  principal TEXT NOT NULL,
  role TEXT,
  resource TEXT NOT NULL,
  action TEXT NOT NULL,
  decision TEXT NOT NULL,
  mechanism TEXT NOT NULL,
  client_address TEXT,
  operation TEXT
);
CREATE INDEX IF NOT EXISTS access_events_by_age ON access_events (time_ms);
CREATE TABLE IF NOT EXISTS access_keys (
  idx TEXT NOT NULL,
  key TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (idx, key, time_ms, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS access_keys_by_position ON access_keys (position);
CREATE TABLE IF NOT EXISTS access_retention (resource TEXT PRIMARY KEY, retention_days INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS access_erased_rows (
  case_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (case_id, position)
) WITHOUT ROWID;
`;

/** The columns of `access_events`, in the order the store writes them. */
export const accessEventColumns = ['position', 'time_ms', ...accessRowColumns] as const;
const eventColumns = accessEventColumns.join(', ');

/**
 * Read models written by earlier builds kept one wide row per key in `access_rows`. Such a file is
 * migrated in place, in one transaction, keeping the checkpoint: rows a subject erasure or a
 * retention purge removed stay removed, and the access history is complete from the first start
 * (a rebuild from the log would leave erasure cases located meanwhile without some resources, and
 * bring back by-subject rows already erased). Returns whether there was anything to migrate.
 */
export const migrateOldAccessLayout = (db: Database): boolean => {
  const old = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'access_rows'")
    .get();
  if (!old) return false;
  db.transaction(() => {
    // `WHERE true` lets SQLite read the ON CONFLICT as the insert's, not a join's.
    db.exec(`INSERT INTO access_events (${eventColumns})
      SELECT ${eventColumns} FROM access_rows WHERE true GROUP BY position ON CONFLICT DO NOTHING`);
    db.exec(`INSERT INTO access_keys (idx, key, time_ms, position)
      SELECT idx, key, time_ms, position FROM access_rows WHERE true ON CONFLICT DO NOTHING`);
    db.exec('DROP TABLE access_rows');
  })();
  return true;
};

const dayMs = 86_400_000;
const forever = 10_000_000;

/** SQL: `column` does not name one of gouvernail's own resources (exact, case-sensitive prefix). */
export const notOwnResource = (column: string): string =>
  `substr(${column}, 1, ${OWN_RESOURCE_PREFIX.length}) <> '${OWN_RESOURCE_PREFIX}'`;

/**
 * Events of alias `e` still inside the retention period of their resource (or `*`, which does not
 * reach gouvernail's own resources) at `@now`.
 */
export const withinRetention = `e.time_ms >= @now - COALESCE(
  (SELECT retention_days FROM access_retention WHERE resource = e.resource),
  (SELECT retention_days FROM access_retention WHERE resource = '*' AND ${notOwnResource('e.resource')}),
  ${forever}) * ${dayMs}`;

export const retentionCutoff = (nowMs: number, retentionDays: number): number =>
  nowMs - retentionDays * dayMs;
