import { allSettledOrThrow } from '../../interrupted-reset.js';
import type { Collection, Db } from 'mongodb';
import { mongoCheckpoint } from '../../config/mongo/checkpoint.js';
import { ignoringDuplicates } from '../../config/mongo/errors.js';
import { ensureNamedIndexes } from '../../config/mongo/indexes.js';
import { lineageGraphName } from '../evolve.js';
import type { LineageChange, LineageStore, RunState } from '../ports.js';
import { lineageCollections } from './documents.js';
import { runsByJobStart } from './latest-run.js';
import { createMongoPii } from './pii.js';
import { createMongoLineageQueries } from './read.js';
import { createMongoSymlinkReader } from './symlinks.js';
import { createMongoTraversal } from './traverse.js';
import { createMongoLineageWriter } from './write.js';

export interface MongoLineageStoreDeps {
  readonly db: Db;
  /** Checkpoint name; defaults to the projection's name. */
  readonly name?: string;
  /** Runs per archive round; default 500. */
  readonly archiveBatchSize?: number;
}

/** The lineage store, plus index creation and archiving of finished runs. */
export interface MongoLineageStore extends LineageStore {
  ensureIndexes(): Promise<void>;
  /**
   * Moves finished runs (COMPLETED, FAILED, ABORTED) that ended before `date` to
   * `lineage_runs_archive` (insert, then delete: a rerun after a crash finishes the move). Archived
   * runs are still served by `run` and `job`, and a late event for one brings it back first.
   * Returns how many runs were moved.
   */
  archiveOlderThan(date: Date): Promise<number>;
}

const finished: RunState[] = ['COMPLETED', 'FAILED', 'ABORTED'];

/**
 * The lineage graph in MongoDB, FerretDB 1.24 compatible: no transactions, no $lookup or
 * $graphLookup. Node documents are keyed by `[namespace, name]`; walks run breadth-first in the
 * application with one `$in` query per frontier. Writes are idempotent when repeated in log order
 * and the checkpoint only moves forward, so a batch replayed after a crash changes nothing.
 * One writer per projection is assumed.
 */
export const createMongoLineageStore = ({
  db,
  name = lineageGraphName,
  archiveBatchSize = 500,
}: MongoLineageStoreDeps): MongoLineageStore => {
  const c = lineageCollections(db);
  const cp = mongoCheckpoint(db, name, async () => {
    await allSettledOrThrow(
      (Object.values(c) as unknown as Collection[]).map((coll) => coll.deleteMany({})),
    );
  });
  const writer = createMongoLineageWriter(c);
  const symlinks = createMongoSymlinkReader(c);
  const traversal = createMongoTraversal(c, symlinks.mates);
  const queries = createMongoLineageQueries(
    c,
    traversal,
    createMongoPii(c, traversal, symlinks.mates),
    symlinks,
  );

  let indexes: Promise<void> | undefined;
  const ensureIndexes = (): Promise<void> => {
    indexes ??= (async () => {
      for (const edges of [c.inputs, c.outputs]) {
        await ensureNamedIndexes(edges, [
          { key: { dataset: 1 }, name: 'by_dataset' },
          { key: { job: 1 }, name: 'by_job' },
        ]);
      }
      await ensureNamedIndexes(c.schemas, [
        { key: { dataset: 1, version: -1 }, name: 'by_dataset_version' },
        { key: { dataset: 1, observedAt: -1, version: -1 }, name: 'by_dataset_observed' },
      ]);
      for (const runs of [c.runs, c.runsArchive]) {
        await ensureNamedIndexes(runs, [runsByJobStart], ['by_job_last_seen']);
      }
      await ensureNamedIndexes(c.runs, [{ key: { state: 1, endedAt: 1 }, name: 'by_end' }]);
      await ensureNamedIndexes(c.columnEdges, [
        { key: { fromKey: 1 }, name: 'by_from' },
        { key: { toKey: 1 }, name: 'by_to' },
        { key: { fromDataset: 1 }, name: 'by_from_dataset' },
        { key: { toDataset: 1 }, name: 'by_to_dataset' },
      ]);
      await ensureNamedIndexes(c.tags, [
        { key: { key: 1 }, name: 'by_column' },
        { key: { dataset: 1, source: 1 }, name: 'by_dataset_source' },
      ]);
      await ensureNamedIndexes(c.symlinks, [
        { key: { alias: 1 }, name: 'by_alias' },
        { key: { dataset: 1 }, name: 'by_dataset' },
        { key: { seq: -1 }, name: 'by_seq' },
      ]);
    })().catch((error: unknown) => {
      indexes = undefined;
      throw error;
    });
    return indexes;
  };

  const apply = async (changes: readonly LineageChange[], position: number): Promise<void> => {
    await ensureIndexes();
    if (position <= (await cp.read())) return;
    for (const change of changes) await writer.apply(change);
    await cp.advance(position);
  };

  const archiveOlderThan = async (date: Date): Promise<number> => {
    await ensureIndexes();
    let moved = 0;
    for (;;) {
      const batch = await c.runs
        .find({ state: { $in: finished }, endedAt: { $lt: date.toISOString() } })
        .limit(archiveBatchSize)
        .toArray();
      if (batch.length === 0) return moved;
      await ignoringDuplicates(() => c.runsArchive.insertMany(batch, { ordered: false }));
      const { deletedCount } = await c.runs.deleteMany({ _id: { $in: batch.map((r) => r._id) } });
      moved += deletedCount;
    }
  };

  return {
    ensureIndexes,
    checkpoint: async () => {
      await ensureIndexes();
      return cp.read();
    },
    apply,
    reset: cp.reset,
    archiveOlderThan,
    dataset: (ref, asOf) => queries.dataset(ref, asOf),
    job: (ref) => queries.job(ref),
    run: (runId) => queries.run(runId),
    lineage: (query) => queries.lineage(query),
    columnLineage: (query) => queries.columnLineage(query),
    impact: (dataset) => queries.impact(dataset),
  };
};
