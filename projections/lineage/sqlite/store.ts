import type { Database } from 'better-sqlite3';
import type { SharedTransaction } from '../../runner.js';
import { lineageGraphName } from '../evolve.js';
import type { LineageChange, LineageStore } from '../ports.js';
import { createPii } from './pii.js';
import { createLineageQueries } from './read.js';
import { createLineageSchema } from './schema.js';
import { promised, sqliteProjectionStore } from '../../sqlite/projection-store.js';
import { createSymlinkReader } from './symlinks.js';
import { createTraversal } from './traverse.js';
import { createLineageWriter } from './write.js';

export interface SqliteLineageStoreDeps {
  /** The read-model database shared by all projections. */
  readonly db: Database;
  /** Checkpoint name; defaults to the projection's name. */
  readonly name?: string;
}

/**
 * The lineage graph in the embedded SQLite read-model database (tables prefixed `lineage_`).
 * `apply` writes a batch and the checkpoint in one transaction and skips a batch at or below the
 * checkpoint. Walks are breadth-first with one batched query per frontier over indexed edge tables.
 */
export const createSqliteLineageStore = ({
  db,
  name = lineageGraphName,
}: SqliteLineageStoreDeps): LineageStore & {
  readonly shared: SharedTransaction<LineageChange>;
} => {
  createLineageSchema(db);
  const writer = createLineageWriter(db);
  const symlinks = createSymlinkReader(db);
  const traversal = createTraversal(db, symlinks.mates);
  const queries = createLineageQueries(
    db,
    traversal,
    createPii(db, traversal, symlinks.mates),
    symlinks,
  );

  const projection = sqliteProjectionStore<LineageChange>({
    db,
    name,
    write: (changes) => {
      writer.applyAll(changes);
    },
    clear: () => {
      writer.clear();
    },
  });

  return {
    ...projection,
    dataset: (ref, asOf) => promised(() => queries.dataset(ref, asOf)),
    job: (ref) => promised(() => queries.job(ref)),
    run: (runId) => promised(() => queries.run(runId)),
    lineage: (query) => promised(() => queries.lineage(query)),
    columnLineage: (query) => promised(() => queries.columnLineage(query)),
    impact: (dataset) => promised(() => queries.impact(dataset)),
  };
};
