import { binary, normalRun, type LineageCollections, type RunDoc } from './documents.js';

/** The index `latestRunOf` reads. */
export const runsByJobStart = {
  key: { job: 1, startedAt: -1, firstSeen: -1, _id: -1 },
  name: 'by_job_start',
} as const;

const startOf = (r: RunDoc): string => r.startedAt ?? r.firstSeen;

const startedLater = (a: RunDoc, b: RunDoc): number =>
  binary(startOf(b), startOf(a)) || binary(b.firstSeen, a.firstSeen) || binary(b._id, a._id);

/**
 * A job's run that started last, in any of `collections` (the live runs and their archive: a run
 * archived after it finished can still be the latest when an older one never finished): the latest
 * START, or first sighting for a run without one; a tie goes to the later first sighting, then the
 * greater run id (the SQLite store's order). One read each for runs with and without a START:
 * `find` cannot sort on the start it would compute.
 */
export const latestRunOf = async (
  collections: readonly LineageCollections['runs'][],
  job: string,
): Promise<RunDoc | null> => {
  const newest = (runs: LineageCollections['runs'], startedAt: { $ne: null } | null) =>
    runs.find({ job, startedAt }).sort({ startedAt: -1, firstSeen: -1, _id: -1 }).limit(1).next();
  const found = await Promise.all(
    collections.flatMap((runs) => [newest(runs, { $ne: null }), newest(runs, null)]),
  );
  return (
    found
      .filter((r) => r !== null)
      .map(normalRun)
      .sort(startedLater)[0] ?? null
  );
};
