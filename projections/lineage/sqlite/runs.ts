import type { Database } from 'better-sqlite3';
import { createRowBuffer } from '../../sqlite/row-buffer.js';
import type { LineageChange, NamedRef, RunState } from '../ports.js';
import { nextRunState } from '../run-state.js';

type RunObserved = Extract<LineageChange, { kind: 'runObserved' }>;

interface RunRow {
  run_id: string;
  job_id: number;
  state: RunState | null;
  state_at: string | null;
  state_rank: number;
  started_at: string | null;
  ended_at: string | null;
  facets: string;
  parent_run_id: string | null;
  parent_job_namespace: string | null;
  parent_job_name: string | null;
  first_seen: string;
  last_seen: string;
}

/** A run as the batch leaves it; its facets stay an object until the row is written. */
type PendingRun = Omit<RunRow, 'facets'> & { facets: Record<string, unknown> };

/**
 * Writes `runObserved` changes. A run seen several times in one batch (its START and COMPLETE, a
 * streaming job's RUNNING events) is read once, folded in memory in log order, and written once
 * when the batch ends; its dataset links are written once per batch too. Call `flush` at the end
 * of each batch and `forget` when a batch fails.
 */
export const createRunWriter = (
  db: Database,
  ids: { job: (j: NamedRef, at: string) => number; dataset: (d: NamedRef) => number },
) => {
  const getRun = db.prepare<[string], RunRow>('SELECT * FROM lineage_runs WHERE run_id = ?');
  const putRun = db.prepare(`INSERT INTO lineage_runs
    (run_id, job_id, state, state_at, state_rank, started_at, ended_at, facets, parent_run_id, parent_job_namespace, parent_job_name, first_seen, last_seen)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (run_id) DO UPDATE SET state = excluded.state, state_at = excluded.state_at,
      state_rank = excluded.state_rank, started_at = excluded.started_at, ended_at = excluded.ended_at,
      facets = excluded.facets, parent_run_id = excluded.parent_run_id,
      parent_job_namespace = excluded.parent_job_namespace, parent_job_name = excluded.parent_job_name,
      first_seen = excluded.first_seen, last_seen = excluded.last_seen`);
  const runDatasets = createRowBuffer(db, 'lineage_run_datasets', ['run_id', 'role', 'dataset_id']);
  const pending = new Map<string, PendingRun>();
  const linked = new Set<string>();

  const load = (c: RunObserved): PendingRun => {
    const known = pending.get(c.runId);
    if (known) return known;
    const row = getRun.get(c.runId);
    const run: PendingRun = row
      ? { ...row, facets: JSON.parse(row.facets) as Record<string, unknown> }
      : {
          run_id: c.runId,
          job_id: ids.job(c.job, c.at),
          state: null,
          state_at: null,
          state_rank: 0,
          started_at: null,
          ended_at: null,
          facets: {},
          parent_run_id: null,
          parent_job_namespace: null,
          parent_job_name: null,
          first_seen: c.at,
          last_seen: c.at,
        };
    pending.set(c.runId, run);
    return run;
  };

  const link = (runId: string, role: 'input' | 'output', d: NamedRef): void => {
    const datasetId = ids.dataset(d);
    const key = `${runId}\u0000${role}\u0000${datasetId}`;
    if (linked.has(key)) return;
    linked.add(key);
    runDatasets.add([runId, role, datasetId]);
  };

  const observe = (c: RunObserved): void => {
    const run = load(c);
    if (c.at < run.first_seen) run.first_seen = c.at;
    if (c.at > run.last_seen) run.last_seen = c.at;
    run.facets = { ...run.facets, ...c.facets };
    if (c.eventType === 'START' && (run.started_at === null || c.at < run.started_at))
      run.started_at = c.at;
    if (c.parent) {
      run.parent_run_id = c.parent.runId;
      run.parent_job_namespace = c.parent.job.namespace;
      run.parent_job_name = c.parent.job.name;
    }
    const next = nextRunState(
      { stateAt: run.state_at, stateRank: run.state_rank },
      c.eventType,
      c.at,
    );
    if (next) {
      run.state = next.state;
      run.state_at = next.stateAt;
      run.state_rank = next.stateRank;
      run.ended_at = next.endedAt;
    }
    for (const d of c.inputs) link(c.runId, 'input', d);
    for (const d of c.outputs) link(c.runId, 'output', d);
  };

  const forget = (): void => {
    pending.clear();
    linked.clear();
    runDatasets.discard();
  };

  const flush = (): void => {
    for (const r of pending.values()) {
      putRun.run(
        r.run_id,
        r.job_id,
        r.state,
        r.state_at,
        r.state_rank,
        r.started_at,
        r.ended_at,
        JSON.stringify(r.facets),
        r.parent_run_id,
        r.parent_job_namespace,
        r.parent_job_name,
        r.first_seen,
        r.last_seen,
      );
    }
    runDatasets.flush();
    forget();
  };

  return { observe, flush, forget };
};
