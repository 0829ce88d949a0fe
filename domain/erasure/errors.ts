import type { TaskOutcome } from './state.js';

/** Why a command on an erasure case was refused. Returned, never thrown. */
export type ErasureError =
  | { readonly type: 'CaseNotFound'; readonly caseId: string }
  | { readonly type: 'CaseAlreadyExists'; readonly caseId: string }
  | { readonly type: 'InvalidTimestamp'; readonly field: string; readonly value: string }
  | { readonly type: 'ReceivedInFuture'; readonly receivedAt: string; readonly now: string }
  | {
      readonly type: 'ReceivedBeforeGdprApplied';
      readonly receivedAt: string;
      readonly appliesFrom: string;
    }
  | { readonly type: 'TaskUnknown'; readonly taskId: string }
  | { readonly type: 'TaskAlreadyIssued'; readonly taskId: string }
  | {
      readonly type: 'TaskAlreadyCompleted';
      readonly taskId: string;
      readonly outcome: TaskOutcome;
    }
  | { readonly type: 'InvalidCounts'; readonly taskId: string }
  | { readonly type: 'ExemptionNotRecorded'; readonly taskIds: readonly string[] }
  | { readonly type: 'NoTasks'; readonly caseId: string }
  | {
      readonly type: 'TasksStillOpen';
      readonly open: readonly string[];
      readonly failed: readonly string[];
    }
  | { readonly type: 'InvalidExtension'; readonly by: number }
  | {
      readonly type: 'ExtensionTooLong';
      readonly requested: number;
      readonly alreadyExtended: number;
      readonly max: number;
    }
  | { readonly type: 'ExtensionTooLate'; readonly originalDueAt: string; readonly now: string }
  | { readonly type: 'ReasonRequired' }
  | { readonly type: 'SubjectMismatch'; readonly expected: string; readonly actual: string }
  | { readonly type: 'KeysNotDestroyed'; readonly subject: string }
  | { readonly type: 'AlreadyCertified'; readonly caseId: string };

export type ErasureErrorType = ErasureError['type'];
