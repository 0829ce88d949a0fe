import type {
  ErasureTaskCompletedData,
  SubjectKeyDestroyedData,
} from '../../domain/events/erasure.js';
import type { AccessHistoryReadModel } from '../../projections/access/ports.js';
import type { KeyVault } from '../crypto/key-vault.js';
import type { VerifiableLog } from '../log/verifiable-log.js';
import { builtinTasks, type BuiltinTaskId } from './locate.js';

/** What a built-in executor did, for the caller to record. */
export interface BuiltinOutcome {
  readonly completed: ErasureTaskCompletedData;
  /** Set by the subject-keys task: the `SubjectKeyDestroyed` to append before the completion. */
  readonly keysDestroyed?: SubjectKeyDestroyedData;
}

export interface BuiltinExecutors {
  run(taskId: BuiltinTaskId, target: { caseId: string; subject: string }): Promise<BuiltinOutcome>;
}

export const isBuiltinTask = (taskId: string): taskId is BuiltinTaskId =>
  (Object.values(builtinTasks) as string[]).includes(taskId);

/**
 * Executors for gouvernail's own stores. Each is safe to run again, and reports what the case
 * erased in all: a re-run after a crash before the outcome was recorded still counts it.
 * - read models: `access.purgeSubject` (rows of the by-subject access index; the store keeps which
 *   rows each case deleted);
 * - sealed ciphertext: `log.deleteSealedBlobs` (secure delete, then a WAL checkpoint), after
 *   `capture` has kept the blobs for the canary scan (so a crash in between loses no scan target);
 * - subject keys: `vault.destroySubjectKeys` (crypto-shredding: every sealed field of the subject,
 *   in backups too, becomes unreadable).
 */
export const createBuiltinExecutors = (deps: {
  log: Pick<VerifiableLog, 'deleteSealedBlobs' | 'sealedBlobsOf'>;
  /**
   * Keeps the subject's ciphertext for the canary scan; called before it is deleted. Returns how
   * many blobs the case has kept in all, these included.
   */
  capture: (caseId: string, blobs: readonly Uint8Array[]) => number;
  vault: Pick<KeyVault, 'destroySubjectKeys'>;
  access: Pick<AccessHistoryReadModel, 'purgeSubject'>;
}): BuiltinExecutors => {
  const done = (
    caseId: string,
    taskId: string,
    n: number,
    counts: Record<string, number>,
    evidence?: unknown,
  ): ErasureTaskCompletedData => ({
    caseId,
    taskId,
    outcome: n > 0 ? 'erased' : 'nothing_found',
    counts,
    ...(evidence === undefined ? {} : { evidence }),
  });
  return {
    run: async (taskId, { caseId, subject }) => {
      switch (taskId) {
        case builtinTasks.readModels: {
          const rows = await deps.access.purgeSubject(subject, caseId);
          return { completed: done(caseId, taskId, rows, { accessRowsDeleted: rows }) };
        }
        case builtinTasks.sealedCiphertext: {
          // What the case captured, this call's and an earlier one's: a re-run after a crash
          // between deleting and recording finds nothing left, yet the case did delete them.
          const n = deps.capture(caseId, deps.log.sealedBlobsOf(subject));
          deps.log.deleteSealedBlobs(subject);
          return { completed: done(caseId, taskId, n, { sealedBlobsDeleted: n }) };
        }
        case builtinTasks.subjectKeys: {
          // By case: a re-run after a crash between destroying and recording still names the keys.
          const keyIds = await deps.vault.destroySubjectKeys(subject, caseId);
          return {
            keysDestroyed: { subject, keyIds, caseId },
            completed: done(
              caseId,
              taskId,
              keyIds.length,
              { keysDestroyed: keyIds.length },
              { keyIds },
            ),
          };
        }
      }
    },
  };
};
