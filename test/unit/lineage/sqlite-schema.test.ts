import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createLineageSchema } from '../../../projections/lineage/sqlite/schema.js';

const indexesOf = (db: Database.Database, table: string): string[] =>
  (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
      )
      .all(table) as { name: string }[]
  ).map((r) => r.name);

describe('sqlite lineage schema', () => {
  it('replaces an older read model’s run index by the one a job’s latest run is read from', () => {
    const db = new Database(':memory:');
    createLineageSchema(db);
    db.exec('CREATE INDEX lineage_runs_by_job ON lineage_runs (job_id, last_seen)');
    createLineageSchema(db);
    expect(indexesOf(db, 'lineage_runs')).toEqual(['lineage_runs_by_job_start']);
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT run_id FROM lineage_runs WHERE job_id = 1
         ORDER BY COALESCE(started_at, first_seen) DESC, first_seen DESC, run_id DESC LIMIT 1`,
      )
      .all() as { detail: string }[];
    // One index search, no sort of the job's runs.
    expect(plan.map((p) => p.detail)).toEqual([
      expect.stringMatching(
        /^SEARCH lineage_runs USING .*INDEX lineage_runs_by_job_start \(job_id=\?\)$/,
      ),
    ]);
  });

  it('finds the next symlink claim number by an index, not by reading every claim', () => {
    const db = new Database(':memory:');
    createLineageSchema(db);
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT coalesce(max(seq), 0) + 1 AS seq FROM lineage_symlinks')
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail)).toEqual([
      expect.stringMatching(
        /^SEARCH lineage_symlinks USING COVERING INDEX lineage_symlinks_by_seq/,
      ),
    ]);
  });
});
