import type { Actor } from '../primitives.js';
import type { ExemptionGround } from '../events/erasure.js';
import type { TaskExecutor, TaskOutcome } from './state.js';

/** A task to issue: one system or store that may hold the subject's data. */
export interface TaskSpec {
  readonly taskId: string;
  readonly system: string;
  readonly target: string;
  readonly executor: TaskExecutor;
  readonly reason: string;
}

/** Open a case. `canaryCommitment` is the base64url SHA-256 of the canary value, never the value. */
export interface RequestErasure {
  readonly type: 'RequestErasure';
  readonly caseId: string;
  readonly subject: string;
  readonly receivedAt: string;
  readonly legalGround: string;
  readonly requestRef?: string;
  readonly canaryCommitment: string;
  readonly actor: Actor;
  readonly now: string;
}

export interface IssueTasks {
  readonly type: 'IssueTasks';
  readonly caseId: string;
  readonly tasks: readonly TaskSpec[];
}

export interface CompleteTask {
  readonly type: 'CompleteTask';
  readonly caseId: string;
  readonly taskId: string;
  readonly outcome: TaskOutcome;
  readonly counts: Readonly<Record<string, number>>;
  readonly evidence?: unknown;
}

/** Extend the deadline by `by` months (GDPR Art. 12(3)); decided no later than the original deadline. */
export interface ExtendDeadline {
  readonly type: 'ExtendDeadline';
  readonly caseId: string;
  readonly by: number;
  readonly reason: string;
  readonly now: string;
}

export interface RecordExemption {
  readonly type: 'RecordExemption';
  readonly caseId: string;
  readonly category: string;
  readonly ground: ExemptionGround;
  readonly note?: string;
  /** The task the exemption covers, completed as `exempted`. */
  readonly taskId?: string;
}

export interface RecordKeyDestruction {
  readonly type: 'RecordKeyDestruction';
  readonly caseId: string;
  readonly subject: string;
  readonly keyIds: readonly string[];
}

export interface Certify {
  readonly type: 'Certify';
  readonly caseId: string;
  readonly certificateSha256: string;
  readonly certificate: unknown;
}

export type ErasureCommand =
  | RequestErasure
  | IssueTasks
  | CompleteTask
  | ExtendDeadline
  | RecordExemption
  | RecordKeyDestruction
  | Certify;
