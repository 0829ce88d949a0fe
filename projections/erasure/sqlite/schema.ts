/** Tables of the erasure read model (prefixed `erasure_`); each case is one JSON document. */
export const erasureSchema = `
CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS erasure_cases (
  case_id   TEXT PRIMARY KEY,
  subject   TEXT NOT NULL,
  status    TEXT NOT NULL,
  certified INTEGER NOT NULL,
  due_ms    INTEGER NOT NULL,
  doc       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS erasure_cases_open_due ON erasure_cases (certified, due_ms);
CREATE INDEX IF NOT EXISTS erasure_cases_subject ON erasure_cases (subject);
CREATE TABLE IF NOT EXISTS erasure_pii (
  namespace TEXT NOT NULL,
  name      TEXT NOT NULL,
  field     TEXT NOT NULL,
  source    TEXT NOT NULL,
  tags      TEXT NOT NULL,
  PRIMARY KEY (namespace, name, field, source)
) WITHOUT ROWID;
`;
