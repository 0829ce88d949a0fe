import type { Db } from 'mongodb';
import type { NamedRef, PiiTagSource, RunState } from '../ports.js';

/**
 * Node keys are the JSON text of `[namespace, name]`: stable across rebuilds (no generated ids)
 * and decodable without a lookup. A column key is the JSON text of `[datasetKey, field]`.
 */
export const nodeKey = (r: NamedRef): string => JSON.stringify([r.namespace, r.name]);
export const refOfKey = (key: string): NamedRef => {
  const [namespace, name] = JSON.parse(key) as [string, string];
  return { namespace, name };
};
export const columnKey = (dataset: string, field: string): string =>
  JSON.stringify([dataset, field]);

/** Tags with this field are on the dataset itself rather than a column. */
export const datasetLevel = '';

export interface DatasetDoc {
  _id: string;
  namespace: string;
  name: string;
  /** Absent for a dataset known only from a classification or as a run's dataset. */
  firstSeen?: string;
  lastSeen?: string;
  /** The `dataSource` facet of the latest `eventTime`, 'null' when that one was a deletion. */
  dataSourceJson?: string;
  /** That facet's `eventTime`; absent (older builds) means unknown. */
  dataSourceAt?: string;
  /** The latest `eventTime` a schema of the dataset was observed at; absent: the current version's. */
  schemaSeenAt?: string;
  /** The `eventTime` of the dataset's `symlinks` facet in force; absent: none yet. */
  symlinksAt?: string;
}

export interface JobDoc {
  _id: string;
  namespace: string;
  name: string;
  firstSeen: string;
  lastSeen: string;
  facetsJson: string;
  /** Facet name → `eventTime` of the event it came from; absent (older builds) means unknown. */
  facetsAtJson?: string;
}

/** dataset → job (`lineage_inputs`) or job → dataset (`lineage_outputs`). */
export interface EdgeDoc {
  _id: string;
  dataset: string;
  job: string;
  validFrom: string;
  lastSeen: string;
}

export interface SchemaVersionDoc {
  _id: string;
  dataset: string;
  version: number;
  fieldsJson: string;
  observedAt: string;
}

export interface RunDoc {
  _id: string;
  job: string;
  state: RunState | null;
  stateAt: string | null;
  stateRank: number;
  startedAt: string | null;
  endedAt: string | null;
  facetsJson: string;
  parent: { runId: string; job: NamedRef } | null;
  firstSeen: string;
  lastSeen: string;
  inputs: string[];
  outputs: string[];
}

/**
 * A run document with its defaults filled in: FerretDB 1.24 drops null and empty-array fields
 * written by `$setOnInsert`, so absent means null (or empty).
 */
export const normalRun = (d: Partial<RunDoc> & { _id: string; job: string }): RunDoc => ({
  _id: d._id,
  job: d.job,
  state: d.state ?? null,
  stateAt: d.stateAt ?? null,
  stateRank: d.stateRank ?? 0,
  startedAt: d.startedAt ?? null,
  endedAt: d.endedAt ?? null,
  facetsJson: d.facetsJson ?? '{}',
  parent: d.parent ?? null,
  firstSeen: d.firstSeen ?? '',
  lastSeen: d.lastSeen ?? '',
  inputs: d.inputs ?? [],
  outputs: d.outputs ?? [],
});

export interface ColumnEdgeDoc {
  _id: string;
  fromDataset: string;
  fromField: string;
  fromKey: string;
  toDataset: string;
  toField: string;
  toKey: string;
  job: string;
  transformationsJson: string;
  transformationsAt: string;
  carriesPii: boolean;
  validFrom: string;
  lastSeen: string;
}

export interface TagDoc {
  _id: string;
  dataset: string;
  field: string;
  key: string;
  source: PiiTagSource;
  tag: string;
}

/**
 * A dataset's claim on another name (its `symlinks` facet), `_id` `[alias, dataset]`. `won` marks
 * the claim that names a dataset for its alias: latest `declaredAt`, then highest `seq` (log order).
 */
export interface SymlinkDoc {
  _id: string;
  alias: string;
  dataset: string;
  declaredAt: string;
  seq: number;
  won: boolean;
}

export const lineageCollections = (db: Db) => ({
  datasets: db.collection<DatasetDoc>('lineage_datasets'),
  jobs: db.collection<JobDoc>('lineage_jobs'),
  inputs: db.collection<EdgeDoc>('lineage_inputs'),
  outputs: db.collection<EdgeDoc>('lineage_outputs'),
  schemas: db.collection<SchemaVersionDoc>('lineage_schema_versions'),
  runs: db.collection<RunDoc>('lineage_runs'),
  columnEdges: db.collection<ColumnEdgeDoc>('lineage_column_edges'),
  tags: db.collection<TagDoc>('lineage_tags'),
  symlinks: db.collection<SymlinkDoc>('lineage_symlinks'),
  runsArchive: db.collection<RunDoc>('lineage_runs_archive'),
});

export type LineageCollections = ReturnType<typeof lineageCollections>;

/** Strings in code-unit order, as SQLite's BINARY collation and MongoDB's simple collation compare. */
export const binary = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
