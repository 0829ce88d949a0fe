import type { Db } from 'mongodb';
import { ignoringDuplicates } from './errors.js';

interface CheckpointDoc {
  _id: string;
  position: number;
}

/** A projection's checkpoint as one document of `projection_checkpoints`, only ever moved forward. */
export const mongoCheckpoint = (db: Db, name: string) => {
  const checkpoints = db.collection<CheckpointDoc>('projection_checkpoints');
  return {
    read: async (): Promise<number> => (await checkpoints.findOne({ _id: name }))?.position ?? -1,
    advance: (position: number): Promise<void> =>
      ignoringDuplicates(() =>
        checkpoints.updateOne(
          { _id: name, position: { $lt: position } },
          { $set: { position } },
          { upsert: true },
        ),
      ),
    drop: async (): Promise<void> => {
      await checkpoints.deleteOne({ _id: name });
    },
  };
};
