import type { Database } from 'better-sqlite3';
import { lineageGraphName } from '../evolve.js';

/** Tables of the lineage read model; dataset and job ids are local to this database. */
export const lineageSchema = `
CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS lineage_datasets (
  id INTEGER PRIMARY KEY,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  first_seen TEXT,
  last_seen TEXT,
  data_source TEXT,
  data_source_at TEXT,
  schema_seen_at TEXT,
  symlinks_at TEXT,
  UNIQUE (namespace, name)
);
CREATE TABLE IF NOT EXISTS lineage_jobs (
  id INTEGER PRIMARY KEY,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  facets TEXT NOT NULL,
  facets_at TEXT NOT NULL DEFAULT '{}',
  UNIQUE (namespace, name)
);
CREATE TABLE IF NOT EXISTS lineage_inputs (
  dataset_id INTEGER NOT NULL,
  job_id INTEGER NOT NULL,
  valid_from TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  PRIMARY KEY (dataset_id, job_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lineage_inputs_by_job ON lineage_inputs (job_id, dataset_id, valid_from, last_seen);
CREATE TABLE IF NOT EXISTS lineage_outputs (
  job_id INTEGER NOT NULL,
  dataset_id INTEGER NOT NULL,
  valid_from TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  PRIMARY KEY (job_id, dataset_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lineage_outputs_by_dataset ON lineage_outputs (dataset_id, job_id, valid_from, last_seen);
CREATE TABLE IF NOT EXISTS lineage_schema_versions (
  dataset_id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  fields TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  PRIMARY KEY (dataset_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lineage_runs (
  run_id TEXT PRIMARY KEY,
  job_id INTEGER NOT NULL,
  state TEXT,
  state_at TEXT,
  state_rank INTEGER NOT NULL DEFAULT 0,
  started_at TEXT,
  ended_at TEXT,
  facets TEXT NOT NULL,
  parent_run_id TEXT,
  parent_job_namespace TEXT,
  parent_job_name TEXT,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL
);
-- A job's latest run is the one that started last (first seen, without a START): job() reads it here.
DROP INDEX IF EXISTS lineage_runs_by_job;
CREATE INDEX IF NOT EXISTS lineage_runs_by_job_start ON lineage_runs (job_id, COALESCE(started_at, first_seen), first_seen, run_id);
CREATE TABLE IF NOT EXISTS lineage_run_datasets (
  run_id TEXT NOT NULL,
  role TEXT NOT NULL,
  dataset_id INTEGER NOT NULL,
  PRIMARY KEY (run_id, role, dataset_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lineage_column_edges (
  from_dataset INTEGER NOT NULL,
  from_field TEXT NOT NULL,
  to_dataset INTEGER NOT NULL,
  to_field TEXT NOT NULL,
  job_id INTEGER NOT NULL,
  transformations TEXT NOT NULL,
  transformations_at TEXT NOT NULL,
  carries_pii INTEGER NOT NULL,
  valid_from TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  PRIMARY KEY (from_dataset, from_field, to_dataset, to_field)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lineage_column_edges_by_to ON lineage_column_edges (to_dataset, to_field);
CREATE TABLE IF NOT EXISTS lineage_tags (
  dataset_id INTEGER NOT NULL,
  field TEXT NOT NULL,
  source TEXT NOT NULL,
  tag TEXT NOT NULL,
  PRIMARY KEY (dataset_id, field, source, tag)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lineage_symlinks (
  alias_namespace TEXT NOT NULL,
  alias_name TEXT NOT NULL,
  dataset_id INTEGER NOT NULL,
  declared_at TEXT NOT NULL,
  seq INTEGER NOT NULL,
  won INTEGER NOT NULL,
  PRIMARY KEY (alias_namespace, alias_name, dataset_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lineage_symlinks_by_dataset ON lineage_symlinks (dataset_id, won);
-- The next claim's sequence number is max(seq) + 1: without this, each declaration read the whole table.
CREATE INDEX IF NOT EXISTS lineage_symlinks_by_seq ON lineage_symlinks (seq);
`;

export const lineageTables = [
  'lineage_datasets',
  'lineage_jobs',
  'lineage_inputs',
  'lineage_outputs',
  'lineage_schema_versions',
  'lineage_runs',
  'lineage_run_datasets',
  'lineage_column_edges',
  'lineage_tags',
  'lineage_symlinks',
] as const;

/** Columns later builds added to tables an older build may have created. */
const addedColumns = [
  // Facet name → `eventTime` of the event it came from; a facet without one gives way to the next.
  ['lineage_jobs', 'facets_at', "TEXT NOT NULL DEFAULT '{}'"],
  // The latest instant a schema of the dataset was observed; null: the current version's.
  ['lineage_datasets', 'schema_seen_at', 'TEXT'],
  // The `eventTime` of the dataset's `symlinks` facet in force; null: none yet.
  ['lineage_datasets', 'symlinks_at', 'TEXT'],
  // The `eventTime` of the `dataSource` facet in `data_source`; null: none yet, or unknown.
  ['lineage_datasets', 'data_source_at', 'TEXT'],
] as const;

/**
 * Creates the lineage tables, and adds the columns later builds added to them. Checked and altered
 * in one immediate transaction, so two connections opening the file at once do not both alter it.
 */
export const createLineageSchema = (db: Database): void => {
  db.exec(lineageSchema);
  db.transaction(() => {
    for (const [table, column, type] of addedColumns) {
      const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      if (!columns.some((c) => c.name === column))
        db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
  }).immediate();
};

/** Tag rows with this field are on the dataset itself rather than a column. */
export const datasetLevel = '';

/**
 * Earlier builds kept the lineage tables in `read-models.sqlite` (`db`); they now live in
 * `lineage.sqlite` (`lineageFile`, whose schema must exist). Copies the tables and the lineage
 * checkpoint there in one transaction, unless it already holds a checkpoint, then drops them from
 * `db`. Moving rather than rebuilding keeps lineage complete from the first start: erasure cases
 * located meanwhile still find every dataset downstream of a PII-tagged one. Returns whether there
 * was anything to move.
 */
export const moveLineageTables = (
  db: Database,
  lineageFile: string,
  checkpointName = lineageGraphName,
): boolean => {
  const present = lineageTables.filter((t) =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t),
  );
  if (present.length === 0) return false;
  db.prepare('ATTACH DATABASE ? AS moved').run(lineageFile);
  try {
    db.transaction(() => {
      const movedAlready = db
        .prepare('SELECT 1 FROM moved.projection_checkpoints WHERE name = ?')
        .get(checkpointName);
      if (!movedAlready) {
        for (const t of present) {
          const namesIn = (schema: string): string[] =>
            (db.prepare(`PRAGMA ${schema}.table_info(${t})`).all() as { name: string }[]).map(
              (c) => c.name,
            );
          const source = new Set(namesIn('main'));
          const columns = namesIn('moved')
            .filter((c) => source.has(c))
            .join(', ');
          db.exec(`DELETE FROM moved.${t}`);
          db.exec(`INSERT INTO moved.${t} (${columns}) SELECT ${columns} FROM main.${t}`);
        }
        db.prepare(
          'INSERT INTO moved.projection_checkpoints (name, position) SELECT name, position FROM main.projection_checkpoints WHERE name = ?',
        ).run(checkpointName);
      }
      for (const t of present) db.exec(`DROP TABLE main.${t}`);
      db.prepare('DELETE FROM main.projection_checkpoints WHERE name = ?').run(checkpointName);
    })();
  } finally {
    db.exec('DETACH DATABASE moved');
  }
  return true;
};
