import type { Database } from 'better-sqlite3';
import type { ProjectionStore } from '../ports.js';
import type { SharedTransaction } from '../runner.js';

/** Runs synchronous driver work and settles a promise with its result, or rejects with its error. */
export const promised = <T>(work: () => T): Promise<T> =>
  new Promise((resolve) => {
    resolve(work());
  });

/**
 * The part every SQLite projection store shares: its row in `projection_checkpoints`, the position
 * guard, one transaction per batch (or a transaction shared with the other stores of the same
 * database), and reset. `write` applies a batch's changes; `clear` empties the read model.
 */
export const sqliteProjectionStore = <C>({
  db,
  name,
  write,
  clear,
}: {
  db: Database;
  name: string;
  write: (changes: readonly C[]) => void;
  clear: () => void;
}): ProjectionStore<C> & { readonly shared: SharedTransaction<C> } => {
  db.exec(
    'CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)',
  );
  const getCheckpoint = db.prepare<[string], { position: number }>(
    'SELECT position FROM projection_checkpoints WHERE name = ?',
  );
  const setCheckpoint = db.prepare<[string, number]>(
    'INSERT INTO projection_checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
  );
  const deleteCheckpoint = db.prepare<[string]>(
    'DELETE FROM projection_checkpoints WHERE name = ?',
  );
  const checkpoint = (): number => getCheckpoint.get(name)?.position ?? -1;

  const applyWithin = (changes: readonly C[], position: number): void => {
    if (position <= checkpoint()) return;
    write(changes);
    setCheckpoint.run(name, position);
  };
  const applyTx = db.transaction(applyWithin);
  const apply = (changes: readonly C[], position: number): Promise<void> =>
    promised(() => {
      applyTx(changes, position);
    });
  const resetTx = db.transaction(() => {
    clear();
    deleteCheckpoint.run(name);
  });
  return {
    checkpoint: () => promised(checkpoint),
    apply,
    reset: () =>
      promised(() => {
        resetTx();
      }),
    shared: {
      scope: db,
      transaction: db.transaction((work: () => void) => {
        work();
      }),
      applyWithin,
      apply,
    },
  };
};
