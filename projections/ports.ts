import type { AuditEvent } from '../domain/catalogue.js';

/**
 * A projection: a pure function from one logged event to the changes it makes in a read model.
 * Store adapters apply the changes; the function itself knows nothing of storage.
 */
export interface Projection<C> {
  readonly name: string;
  readonly changesFor: (event: AuditEvent, position: number) => readonly C[];
}

/**
 * Where a projection's read model lives. `apply` writes a batch's changes together with the
 * projection checkpoint, atomically where the store allows and position-guarded everywhere, so a
 * redelivered or replayed batch changes nothing.
 */
export interface ProjectionStore<C> {
  /** The position of the last event applied, or -1 when none. */
  checkpoint(): Promise<number>;
  /** Applies the changes of all events up to and including `position`; a no-op when `position` ≤ checkpoint. */
  apply(changes: readonly C[], position: number): Promise<void>;
  /**
   * Drops the read model and its checkpoint, for a rebuild from position 0. Where the two cannot go
   * in one transaction, the checkpoint is marked first and the next `checkpoint()` finishes a reset
   * that was interrupted (see `interruptibleReset`): never a checkpoint at the log's end over an
   * emptied read model.
   */
  reset(): Promise<void>;
}
