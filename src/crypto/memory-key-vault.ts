import { randomBytes } from 'node:crypto';
import { MissingDataKeyError, type DataKey, type KeyVault } from './key-vault.js';

/**
 * A {@link KeyVault} held in memory, for unit tests of code that seals and unseals: same contract
 * as the SQLite vault (one live key per subject, a new key after destruction), nothing persisted.
 */
export const createMemoryKeyVault = (): KeyVault => {
  const byId = new Map<string, DataKey>();
  const liveBySubject = new Map<string, DataKey>();
  /** Key ids each erasure case destroyed. */
  const byCase = new Map<string, string[]>();
  const destroyed = new Set<string>();

  const create = (subject: string): DataKey => {
    const key: DataKey = {
      keyId: `dk_${randomBytes(16).toString('base64url')}`,
      subject,
      key: randomBytes(32),
    };
    byId.set(key.keyId, key);
    liveBySubject.set(subject, key);
    return key;
  };

  return {
    dataKeys: (subjects) =>
      Promise.resolve(
        new Map(subjects.map((s) => [s, liveBySubject.get(s) ?? create(s)] as const)),
      ),
    keyById: (keyId) => {
      const key = byId.get(keyId);
      if (key !== undefined) return Promise.resolve(key);
      if (destroyed.has(keyId)) return Promise.resolve(null);
      return Promise.reject(new MissingDataKeyError(keyId));
    },
    destroySubjectKeys: (subject, caseId) => {
      const ids = [...byId.values()].filter((k) => k.subject === subject).map((k) => k.keyId);
      for (const id of ids) {
        byId.delete(id);
        destroyed.add(id);
      }
      liveBySubject.delete(subject);
      if (caseId === undefined) return Promise.resolve(ids);
      const all = [...(byCase.get(caseId) ?? []), ...ids].sort();
      byCase.set(caseId, all);
      return Promise.resolve(all);
    },
    truncateWal: () => Promise.resolve(true),
    close: () => Promise.resolve(),
  };
};
