/** A subject's data-encryption key (AES-256), unwrapped. */
export interface DataKey {
  readonly keyId: string;
  readonly subject: string;
  readonly key: Uint8Array;
}

/**
 * The vault holds neither the key nor a tombstone of it: the vault was lost, replaced or rolled back
 * (the key was never destroyed by an erasure).
 */
export class MissingDataKeyError extends Error {
  override readonly name = 'MissingDataKeyError';
  constructor(readonly keyId: string) {
    super(`data key ${keyId} is missing from the key vault`);
  }
}

/**
 * Per-subject data keys, stored wrapped by the key-encryption key. Destroying a subject's keys is
 * crypto-shredding: every ciphertext sealed under them becomes unreadable for good.
 */
export interface KeyVault {
  /** The current key of each subject, created on first use. */
  dataKeys(subjects: readonly string[]): Promise<Map<string, DataKey>>;
  /**
   * A key by id; null when it was destroyed (the vault keeps a tombstone).
   * @throws MissingDataKeyError when the vault holds no record of it at all.
   */
  keyById(keyId: string): Promise<DataKey | null>;
  /**
   * Destroys every key of the subject; returns the ids destroyed (empty when none were left). With
   * `caseId`, the keys are marked destroyed by that erasure case, and the answer also lists those
   * the case destroyed in an earlier call: a call that crashed before its outcome was recorded
   * does not leave the case reporting no keys.
   */
  destroySubjectKeys(subject: string, caseId?: string): Promise<string[]>;
  /**
   * Empties the vault's write-ahead log, so destroyed keys leave no copy there: false while a
   * reader elsewhere (a backup, a sqlite3 shell) still holds the old pages. Always true in memory.
   */
  truncateWal(): Promise<boolean>;
  close(): Promise<void>;
}
