import type { LoggedEvent, RecordedEnvelope } from '../../domain/envelope.js';

/** An event ready for the log: validated, sealed, canonically encoded and hashed. */
export interface PreparedEvent {
  /** `event.id` and `event.type`, so a log can store the entry without reading `event`. */
  readonly id: string;
  readonly type: string;
  /** The recorded envelope; when prepared on a worker thread, parsed from `entry` on first use. */
  readonly event: RecordedEnvelope;
  /** The exact leaf bytes: RFC 8785 canonical JSON of `event`. */
  readonly entry: Uint8Array;
  /** SHA-256(0x00 ‖ entry). */
  readonly leafHash: Uint8Array;
  readonly stream: string;
  /** Ciphertext of each subject's personal fields; the entry holds only its commitment. */
  readonly sealedBlobs: readonly { readonly subject: string; readonly blob: Uint8Array }[];
}

export type AppendOutcome =
  | { readonly id: string; readonly position: number; readonly status: 'appended' }
  | { readonly id: string; readonly position: number; readonly status: 'duplicate' };

/** A logged event with the exact bytes its Merkle leaf commits to. */
export interface StoredEntry extends LoggedEvent {
  readonly entry: Uint8Array;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * The append-only, totally ordered log: the single source of truth.
 * Positions start at 0 and equal Merkle leaf indices.
 */
export interface EventLog {
  /** Appends a batch atomically. An id already in the log is not stored again: it answers `duplicate` with the original position. */
  append(batch: readonly PreparedEvent[]): Promise<AppendOutcome[]>;
  /** Up to `limit` entries from `from` on, in log order. */
  read(from: number, limit: number): Promise<StoredEntry[]>;
  /** The entries of one stream (aggregate), in log order. */
  readStream(stream: string, from?: number, limit?: number): Promise<StoredEntry[]>;
  /**
   * Catches up from `from`, then follows new appends until closed. `onBatch` is awaited before the
   * next batch. A failed read, or an `onBatch` that throws, is reported to `onError` and tried again
   * after a growing delay (the same batch is delivered again): a subscription only ends when closed.
   */
  subscribe(
    from: number,
    onBatch: (batch: StoredEntry[]) => Promise<void>,
    onError?: (error: unknown) => void,
  ): Subscription;
  /** Number of entries. */
  size(): Promise<number>;
  /** Position of an event by id, or null. */
  positionOf(id: string): Promise<number | null>;
  close(): Promise<void>;
}

/** Failures of a log adapter, in our vocabulary. */
export class EventLogError extends Error {
  override readonly name = 'EventLogError';
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How long a subscription waits before trying again after its `failures`-th failure in a row. */
export const retryDelayMs = (failures: number): number => Math.min(30_000, 100 * 2 ** failures);
