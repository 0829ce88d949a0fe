import { MongoBulkWriteError, MongoServerError, type WriteError } from 'mongodb';

const duplicateKey = 11000;

/** Whether a write failed only because of duplicate keys: a guarded upsert that found a newer document. */
export const onlyDuplicateKeys = (error: unknown): boolean => {
  if (error instanceof MongoBulkWriteError) {
    const errors = ([] as WriteError[]).concat(error.writeErrors);
    return errors.length > 0 && errors.every((e) => e.code === duplicateKey);
  }
  return error instanceof MongoServerError && error.code === duplicateKey;
};

/** Runs a position-guarded write; a duplicate key means "already applied at this or a later position". */
export const ignoringDuplicates = async (write: () => Promise<unknown>): Promise<void> => {
  try {
    await write();
  } catch (error) {
    if (!onlyDuplicateKeys(error)) throw error;
  }
};
