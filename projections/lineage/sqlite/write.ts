import type { Database } from 'better-sqlite3';
import { canonicalize } from '../../../domain/canonical.js';
import type { OpenLineageEventType } from '../../../domain/openlineage.js';
import type { LineageChange, NamedRef, RunState } from '../ports.js';
import { datasetLevel, lineageTables } from './schema.js';

type Change<K extends LineageChange['kind']> = Extract<LineageChange, { kind: K }>;

const earlier = (col: string): string =>
  `CASE WHEN ${col} IS NULL OR excluded.${col} < ${col} THEN excluded.${col} ELSE ${col} END`;
const later = (col: string): string =>
  `CASE WHEN ${col} IS NULL OR excluded.${col} > ${col} THEN excluded.${col} ELSE ${col} END`;

/**
 * A run's state is that of its event with the latest `eventTime`; on a tie the higher rank wins, so
 * the result does not depend on arrival order. OTHER events carry metadata and leave the state alone.
 */
const stateOf: Record<OpenLineageEventType, { state: RunState; rank: number } | null> = {
  START: { state: 'STARTED', rank: 1 },
  RUNNING: { state: 'RUNNING', rank: 2 },
  COMPLETE: { state: 'COMPLETED', rank: 3 },
  ABORT: { state: 'ABORTED', rank: 4 },
  FAIL: { state: 'FAILED', rank: 5 },
  OTHER: null,
};
const firstTerminalRank = 3;

interface RunRow {
  readonly state_at: string | null;
  readonly state_rank: number;
  readonly started_at: string | null;
  readonly facets: string;
}

/** Applies lineage changes to the SQLite tables; call inside a transaction. */
export const createLineageWriter = (db: Database) => {
  const ensureDataset = db.prepare(
    'INSERT INTO lineage_datasets (namespace, name) VALUES (?, ?) ON CONFLICT DO NOTHING',
  );
  const datasetId = db.prepare<[string, string], { id: number }>(
    'SELECT id FROM lineage_datasets WHERE namespace = ? AND name = ?',
  );
  const jobId = db.prepare<[string, string], { id: number }>(
    'SELECT id FROM lineage_jobs WHERE namespace = ? AND name = ?',
  );
  const jobFacets = db.prepare<[string, string], { facets: string }>(
    'SELECT facets FROM lineage_jobs WHERE namespace = ? AND name = ?',
  );
  const upsertJob =
    db.prepare(`INSERT INTO lineage_jobs (namespace, name, first_seen, last_seen, facets)
    VALUES (@namespace, @name, @at, @at, @facets)
    ON CONFLICT (namespace, name) DO UPDATE SET first_seen = ${earlier('first_seen')}, last_seen = ${later('last_seen')}, facets = excluded.facets`);
  const datasetSeen =
    db.prepare(`UPDATE lineage_datasets SET first_seen = CASE WHEN first_seen IS NULL OR @first < first_seen THEN @first ELSE first_seen END,
    last_seen = CASE WHEN last_seen IS NULL OR @last > last_seen THEN @last ELSE last_seen END,
    data_source = COALESCE(@dataSource, data_source) WHERE id = @id`);
  const edgeUpsert = (
    table: string,
  ): string => `INSERT INTO ${table} (dataset_id, job_id, valid_from, last_seen) VALUES (?, ?, ?, ?)
    ON CONFLICT DO UPDATE SET valid_from = ${earlier('valid_from')}, last_seen = ${later('last_seen')}`;
  const upsertInput = db.prepare(edgeUpsert('lineage_inputs'));
  const upsertOutput = db.prepare(edgeUpsert('lineage_outputs'));
  const latestSchema = db.prepare<[number], { version: number; fields: string }>(
    'SELECT version, fields FROM lineage_schema_versions WHERE dataset_id = ? ORDER BY version DESC LIMIT 1',
  );
  const insertSchema = db.prepare(
    'INSERT INTO lineage_schema_versions (dataset_id, version, fields, observed_at) VALUES (?, ?, ?, ?)',
  );
  const getRun = db.prepare<[string], RunRow>(
    'SELECT state_at, state_rank, started_at, facets FROM lineage_runs WHERE run_id = ?',
  );
  const insertRun = db.prepare(
    `INSERT INTO lineage_runs (run_id, job_id, facets, first_seen, last_seen) VALUES (?, ?, '{}', ?, ?)`,
  );
  const touchRun =
    db.prepare(`UPDATE lineage_runs SET first_seen = min(first_seen, @at), last_seen = max(last_seen, @at),
    facets = @facets, started_at = @startedAt,
    parent_run_id = COALESCE(@parentRunId, parent_run_id),
    parent_job_namespace = COALESCE(@parentJobNamespace, parent_job_namespace),
    parent_job_name = COALESCE(@parentJobName, parent_job_name) WHERE run_id = @runId`);
  const setRunState = db.prepare(
    'UPDATE lineage_runs SET state = ?, state_at = ?, state_rank = ?, ended_at = ? WHERE run_id = ?',
  );
  const insertRunDataset = db.prepare(
    'INSERT OR IGNORE INTO lineage_run_datasets (run_id, role, dataset_id) VALUES (?, ?, ?)',
  );
  const upsertColumnEdge = db.prepare(`INSERT INTO lineage_column_edges
    (from_dataset, from_field, to_dataset, to_field, job_id, transformations, transformations_at, carries_pii, valid_from, last_seen)
    VALUES (@fromDataset, @fromField, @toDataset, @toField, @jobId, @transformations, @at, @carriesPii, @at, @at)
    ON CONFLICT DO UPDATE SET
      job_id = CASE WHEN excluded.transformations_at >= transformations_at THEN excluded.job_id ELSE job_id END,
      transformations = CASE WHEN excluded.transformations_at >= transformations_at THEN excluded.transformations ELSE transformations END,
      transformations_at = max(transformations_at, excluded.transformations_at),
      carries_pii = max(carries_pii, excluded.carries_pii),
      valid_from = ${earlier('valid_from')}, last_seen = ${later('last_seen')}`);
  const clearClassified = db.prepare(
    "DELETE FROM lineage_tags WHERE dataset_id = ? AND field = ? AND source = 'classification'",
  );
  const clearFaceted = db.prepare(
    "DELETE FROM lineage_tags WHERE dataset_id = ? AND source = 'openlineage'",
  );
  const insertTag = db.prepare(
    'INSERT OR IGNORE INTO lineage_tags (dataset_id, field, source, tag) VALUES (?, ?, ?, ?)',
  );

  // Dataset sightings and dataset–job edges of the batch, merged per row and written once at its
  // end: nothing in the batch reads them back, and min, max and last non-null merge in any grouping.
  type Sighting = { first: string; last: string };
  const seenDatasets = new Map<number, Sighting & { dataSource: string | null }>();
  const seenEdges = {
    input: new Map<string, Sighting & { datasetId: number; jobId: number }>(),
    output: new Map<string, Sighting & { datasetId: number; jobId: number }>(),
  };
  const widen = (s: Sighting, at: string): void => {
    if (at < s.first) s.first = at;
    if (at > s.last) s.last = at;
  };
  const seen = (id: number, at: string, dataSource: string | null): void => {
    const s = seenDatasets.get(id);
    if (!s) seenDatasets.set(id, { first: at, last: at, dataSource });
    else {
      widen(s, at);
      if (dataSource !== null) s.dataSource = dataSource;
    }
  };
  const edge = (role: 'input' | 'output', datasetId: number, jobId: number, at: string): void => {
    const key = `${datasetId}:${jobId}`;
    const e = seenEdges[role].get(key);
    if (!e) seenEdges[role].set(key, { datasetId, jobId, first: at, last: at });
    else widen(e, at);
  };
  const forgetSeen = (): void => {
    seenDatasets.clear();
    seenEdges.input.clear();
    seenEdges.output.clear();
  };
  const flushSeen = (): void => {
    for (const [id, s] of seenDatasets)
      datasetSeen.run({ id, first: s.first, last: s.last, dataSource: s.dataSource });
    for (const e of seenEdges.input.values())
      upsertInput.run(e.datasetId, e.jobId, e.first, e.last);
    for (const e of seenEdges.output.values())
      upsertOutput.run(e.datasetId, e.jobId, e.first, e.last);
    forgetSeen();
  };

  // Ids of rows known to exist in the current transaction: rows are only deleted by `clear`, and
  // `applyAll` starts each batch with empty maps, so a rolled-back batch leaves no stale id behind.
  const datasetIds = new Map<string, number>();
  const jobIds = new Map<string, number>();
  const keyOf = (r: NamedRef): string => `${r.namespace}\u0000${r.name}`;

  const dataset = (d: NamedRef): number => {
    const key = keyOf(d);
    let id = datasetIds.get(key);
    if (id === undefined) {
      ensureDataset.run(d.namespace, d.name);
      id = datasetId.get(d.namespace, d.name)!.id;
      datasetIds.set(key, id);
    }
    return id;
  };
  const job = (j: NamedRef, at: string): number => {
    const key = keyOf(j);
    const known = jobIds.get(key);
    if (known !== undefined) return known;
    let found = jobId.get(j.namespace, j.name);
    if (!found) {
      upsertJob.run({ namespace: j.namespace, name: j.name, at, facets: '{}' });
      found = jobId.get(j.namespace, j.name)!;
    }
    jobIds.set(key, found.id);
    return found.id;
  };

  const jobSeen = (c: Change<'jobSeen'>): void => {
    const old = jobFacets.get(c.job.namespace, c.job.name);
    const facets = { ...(old ? (JSON.parse(old.facets) as object) : {}), ...c.facets };
    upsertJob.run({
      namespace: c.job.namespace,
      name: c.job.name,
      at: c.at,
      facets: JSON.stringify(facets),
    });
  };

  const schemaObserved = (c: Change<'schemaObserved'>): void => {
    const id = dataset(c.dataset);
    const fields = canonicalize(c.fields);
    const latest = latestSchema.get(id);
    if (latest?.fields !== fields) insertSchema.run(id, (latest?.version ?? 0) + 1, fields, c.at);
  };

  const runObserved = (c: Change<'runObserved'>): void => {
    let row = getRun.get(c.runId);
    if (!row) {
      insertRun.run(c.runId, job(c.job, c.at), c.at, c.at);
      row = { state_at: null, state_rank: 0, started_at: null, facets: '{}' };
    }
    const startedAt =
      c.eventType === 'START' && (row.started_at === null || c.at < row.started_at)
        ? c.at
        : row.started_at;
    touchRun.run({
      runId: c.runId,
      at: c.at,
      facets: JSON.stringify({ ...(JSON.parse(row.facets) as object), ...c.facets }),
      startedAt,
      parentRunId: c.parent?.runId ?? null,
      parentJobNamespace: c.parent?.job.namespace ?? null,
      parentJobName: c.parent?.job.name ?? null,
    });
    const next = c.eventType === null ? null : stateOf[c.eventType];
    if (
      next &&
      (row.state_at === null ||
        c.at > row.state_at ||
        (c.at === row.state_at && next.rank > row.state_rank))
    ) {
      setRunState.run(
        next.state,
        c.at,
        next.rank,
        next.rank >= firstTerminalRank ? c.at : null,
        c.runId,
      );
    }
    for (const d of c.inputs) insertRunDataset.run(c.runId, 'input', dataset(d));
    for (const d of c.outputs) insertRunDataset.run(c.runId, 'output', dataset(d));
  };

  const apply = (c: LineageChange): void => {
    switch (c.kind) {
      case 'datasetSeen':
        seen(dataset(c.dataset), c.at, c.dataSource ? JSON.stringify(c.dataSource) : null);
        return;
      case 'jobSeen':
        jobSeen(c);
        return;
      case 'schemaObserved':
        schemaObserved(c);
        return;
      case 'runObserved':
        runObserved(c);
        return;
      case 'inputObserved':
        edge('input', dataset(c.dataset), job(c.job, c.at), c.at);
        return;
      case 'outputObserved':
        edge('output', dataset(c.dataset), job(c.job, c.at), c.at);
        return;
      case 'columnDerived':
        upsertColumnEdge.run({
          fromDataset: dataset(c.from.dataset),
          fromField: c.from.field,
          toDataset: dataset(c.to.dataset),
          toField: c.to.field,
          jobId: job(c.job, c.at),
          transformations: JSON.stringify(c.transformations),
          carriesPii: c.carriesPii ? 1 : 0,
          at: c.at,
        });
        return;
      case 'piiClassified': {
        const id = dataset(c.dataset);
        const field = c.field ?? datasetLevel;
        clearClassified.run(id, field);
        for (const tag of c.tags) insertTag.run(id, field, 'classification', tag);
        return;
      }
      case 'piiTagsFaceted': {
        const id = dataset(c.dataset);
        clearFaceted.run(id);
        for (const t of c.tags) insertTag.run(id, t.field ?? datasetLevel, 'openlineage', t.tag);
        return;
      }
    }
  };

  /** Applies a batch; call inside its transaction. */
  const applyAll = (changes: readonly LineageChange[]): void => {
    datasetIds.clear();
    jobIds.clear();
    forgetSeen();
    for (const c of changes) apply(c);
    flushSeen();
  };

  const clear = (): void => {
    datasetIds.clear();
    jobIds.clear();
    forgetSeen();
    for (const table of lineageTables) db.prepare(`DELETE FROM ${table}`).run();
  };

  return { applyAll, clear };
};
