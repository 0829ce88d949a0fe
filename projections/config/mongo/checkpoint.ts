import type { Db } from 'mongodb';
import { interruptibleReset, resetBegun } from '../../interrupted-reset.js';
import { ignoringDuplicates } from './errors.js';

interface CheckpointDoc {
  _id: string;
  position: number;
}

/**
 * A projection's checkpoint as one document of `projection_checkpoints`, only ever moved forward,
 * and the reset of its read model (`clear` empties the read model's collections): see
 * {@link interruptibleReset}.
 */
export const mongoCheckpoint = (db: Db, name: string, clear: () => Promise<void>) => {
  const checkpoints = db.collection<CheckpointDoc>('projection_checkpoints');
  const { checkpoint, reset } = interruptibleReset({
    read: async () => (await checkpoints.findOne({ _id: name }))?.position ?? null,
    begin: async () => {
      await checkpoints.replaceOne({ _id: name }, { position: resetBegun }, { upsert: true });
    },
    clear,
    end: async () => {
      await checkpoints.deleteOne({ _id: name, position: resetBegun });
    },
  });
  return {
    read: checkpoint,
    advance: (position: number): Promise<void> =>
      ignoringDuplicates(() =>
        checkpoints.updateOne(
          { _id: name, position: { $lt: position } },
          { $set: { position } },
          { upsert: true },
        ),
      ),
    reset,
  };
};
