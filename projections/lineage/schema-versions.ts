/** The fields, as stored, of a version recording that the schema facet was deleted: no schema. */
export const deletedSchema = 'null';

/**
 * When an observation of a schema that differs from the version in force at its instant `at`
 * also has to record the current version again, and when.
 *
 * Observations repeating the version in force are not recorded, only the latest instant any
 * schema of the dataset was observed (`seenAt`, always one of the current version's). A late event
 * inside the current version's span (the current version observed at or before `at`, and seen again
 * after it) would otherwise stand for every instant after it and roll the current schema back: the
 * current version is recorded again at `seenAt`, before the late one, so it stays current. Past
 * instants between `at` and `seenAt` get the late event's schema. Shared by the lineage stores.
 */
export const schemaResumed = (
  current: { readonly fields: string; readonly observedAt: string } | null,
  seenAt: string | null,
  at: string,
): { fields: string; observedAt: string } | null =>
  current !== null && current.observedAt <= at && seenAt !== null && seenAt > at
    ? { fields: current.fields, observedAt: seenAt }
    : null;
