import type { MerkleTree } from '../merkle/tree.js';
import type { EventLog } from './event-log.js';
import type { Db } from './sqlite/open.js';

/**
 * The log as the service uses it: an {@link EventLog} plus its Merkle tree and the sealed
 * ciphertext beside it. The embedded SQLite log is one; a log on another engine (EventStoreDB)
 * becomes one through the Merkle sequencer (`createSequencedLog`).
 */
export interface VerifiableLog extends EventLog {
  /** The SQLite database that keeps the tree's tiles and the signed checkpoints. */
  readonly db: Db;
  /** The Merkle tree over the log's integrated prefix (every acknowledged append is in it). */
  readonly tree: MerkleTree;
  /** Ciphertext of a subject's sealed fields in one entry, or null once deleted. */
  sealedBlob(position: number, subject: string, commitment: string): Uint8Array | null;
  /** Every stored ciphertext of a subject (to scan for copies before deleting them). */
  sealedBlobsOf(subject: string): Uint8Array[];
  /** Whether any sealed ciphertext is stored (so the key vault must hold the keys it was sealed under). */
  holdsSealedCiphertext(): boolean;
  /** Deletes every sealed ciphertext of a subject, overwriting it on disk; returns how many. */
  deleteSealedBlobs(subject: string): number;
  /**
   * Empties the write-ahead log of the file that holds the sealed ciphertext, so deleted ciphertext
   * leaves no copy there; false while a reader elsewhere still holds the old pages.
   */
  truncateWal(): boolean;
  /**
   * The SQLite file whose `entry_bundles` table holds the entries, when it is the embedded log: another
   * thread can open it read-only (the lineage projection does). Undefined for other logs.
   */
  readonly entriesFile?: string;
  /** Why appends are refused for good (the Merkle sequencer stopped), or undefined. */
  fault(): Error | undefined;
}
