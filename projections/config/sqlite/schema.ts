export const configSchema = `
CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS config_history (
  position INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  component TEXT NOT NULL,
  target TEXT NOT NULL,
  kind TEXT,
  before_json TEXT NOT NULL,
  after_json TEXT NOT NULL,
  diff_json TEXT NOT NULL,
  actor_json TEXT NOT NULL,
  change_ref TEXT
);
CREATE INDEX IF NOT EXISTS config_history_by_setting ON config_history (component, target, position);
CREATE INDEX IF NOT EXISTS config_history_by_target ON config_history (target, position);
CREATE TABLE IF NOT EXISTS config_current (
  component TEXT NOT NULL,
  target TEXT NOT NULL,
  kind TEXT,
  value_json TEXT NOT NULL,
  position INTEGER NOT NULL,
  occurred_at TEXT NOT NULL,
  actor_json TEXT NOT NULL,
  change_ref TEXT,
  PRIMARY KEY (component, target)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS config_current_by_target ON config_current (target);
`;

export interface HistoryRecord {
  readonly position: number;
  readonly event_id: string;
  readonly occurred_at: string;
  readonly component: string;
  readonly target: string;
  readonly kind: string | null;
  readonly before_json: string;
  readonly after_json: string;
  readonly diff_json: string;
  readonly actor_json: string;
  readonly change_ref: string | null;
}

export interface CurrentRecord {
  readonly component: string;
  readonly target: string;
  readonly kind: string | null;
  readonly value_json: string;
  readonly position: number;
  readonly occurred_at: string;
  readonly actor_json: string;
  readonly change_ref: string | null;
}
