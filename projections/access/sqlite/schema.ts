const accessRowsTable = `CREATE TABLE IF NOT EXISTS access_rows (
  idx TEXT NOT NULL,
  key TEXT NOT NULL,
  position INTEGER NOT NULL,
  day TEXT NOT NULL,
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
  operation TEXT,
  subject TEXT,
  PRIMARY KEY (idx, key, time_ms, position)
) WITHOUT ROWID`;

/**
 * Rows are clustered the way every page is read: one index key, newest first; `action`, `decision`
 * and retention filter that walk. A row's time is that of its event, so the key is as unique as
 * (idx, key, position). The purges walk `access_rows_by_age` from the oldest row; it grows at its
 * end as time goes on, so it costs a write a page or two per batch where an index by resource would
 * touch a page per resource.
 */
export const accessSchema = `
CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
${accessRowsTable};
CREATE INDEX IF NOT EXISTS access_rows_by_age ON access_rows (time_ms);
CREATE TABLE IF NOT EXISTS access_retention (resource TEXT PRIMARY KEY, retention_days INTEGER NOT NULL);
`;

const dayMs = 86_400_000;
const forever = 10_000_000;

/** Rows of alias `r` still inside the retention period of their resource (or `*`) at `@now`. */
export const withinRetention = `r.time_ms >= @now - COALESCE(
  (SELECT retention_days FROM access_retention WHERE resource = r.resource),
  (SELECT retention_days FROM access_retention WHERE resource = '*'),
  ${forever}) * ${dayMs}`;

export const retentionCutoff = (nowMs: number, retentionDays: number): number =>
  nowMs - retentionDays * dayMs;
