/** The position a store keeps as its checkpoint while a reset is under way. */
export const resetBegun = -1;

/**
 * Reset and checkpoint reading for a store whose read model cannot be emptied in one transaction
 * with its checkpoint (MongoDB, Cassandra). A reset first stores the checkpoint at
 * {@link resetBegun}, then empties the read model, then removes the checkpoint. A reset interrupted
 * anywhere in between (a crash, a Ctrl-C, a failed statement) is finished by the next checkpoint
 * read, before anything is applied: the projection is never seen caught up over an emptied read
 * model, nor rebuilt over what a part-way reset left. One finishing at a time per store.
 */
export const interruptibleReset = ({
  read,
  begin,
  clear,
  end,
}: {
  /** The stored checkpoint, or null when there is none. */
  read: () => Promise<number | null>;
  /** Stores the checkpoint at {@link resetBegun}. */
  begin: () => Promise<void>;
  /** Empties the read model; may be run again after an interruption. */
  clear: () => Promise<void>;
  /** Removes the checkpoint if still at {@link resetBegun}. */
  end: () => Promise<void>;
}) => {
  let finishing: Promise<void> | undefined;
  const finish = (): Promise<void> =>
    (finishing ??= (async () => {
      await clear();
      await end();
    })().finally(() => {
      finishing = undefined;
    }));
  return {
    checkpoint: async (): Promise<number> => {
      const stored = await read();
      if (stored === resetBegun) await finish();
      return stored ?? -1;
    },
    reset: async (): Promise<void> => {
      await begin();
      await finish();
    },
  };
};

/**
 * Awaits every one of `ops`, then fails with the first failure. A reset's clear must not fail while
 * some of its deletes are still under way: one finishing later could delete what the rebuild that
 * follows the failure has already written again.
 */
export const allSettledOrThrow = async (ops: readonly Promise<unknown>[]): Promise<void> => {
  const failed = (await Promise.allSettled(ops)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
};
