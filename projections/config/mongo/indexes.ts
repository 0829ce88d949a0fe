import { MongoServerError, type Collection, type Document, type IndexDescription } from 'mongodb';

const namespaceNotFound = 26;

/**
 * Creates the named indexes a collection lacks, and drops those of `retired` it still has (an
 * earlier build's). Only missing ones are sent: FerretDB 1.24 drops the connection when
 * `createIndexes` repeats several existing indexes.
 */
export const ensureNamedIndexes = async <T extends Document>(
  collection: Collection<T>,
  specs: readonly (IndexDescription & { name: string })[],
  retired: readonly string[] = [],
): Promise<void> => {
  let existing: Set<string>;
  try {
    const indexes: unknown[] = await collection.listIndexes().toArray();
    existing = new Set(indexes.map((i) => String((i as { name?: unknown }).name)));
  } catch (error) {
    if (!(error instanceof MongoServerError && error.code === namespaceNotFound)) throw error;
    existing = new Set();
  }
  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length > 0) await collection.createIndexes(missing);
  for (const name of retired) if (existing.has(name)) await collection.dropIndex(name);
};
