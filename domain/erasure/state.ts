import type {
  ErasureTaskCompletedData,
  ErasureTaskIssuedData,
  ExemptionGround,
} from '../events/erasure.js';

export type TaskOutcome = ErasureTaskCompletedData['outcome'];
export type TaskExecutor = ErasureTaskIssuedData['executor'];

/** One system asked to erase the subject, and what it answered. `outcome` is null while open. */
export interface ErasureTask {
  readonly taskId: string;
  readonly system: string;
  readonly target: string;
  readonly executor: TaskExecutor;
  readonly reason: string | null;
  readonly outcome: TaskOutcome | null;
  readonly counts: Readonly<Record<string, number>>;
  readonly evidence?: unknown;
}

/** A task is done once it reported anything but `failed`; a failed task may report again. */
export const isDone = (t: ErasureTask): boolean => t.outcome !== null && t.outcome !== 'failed';

export interface Extension {
  readonly months: 1 | 2;
  readonly previousDueAt: string;
  readonly dueAt: string;
  readonly reason: string;
}

export interface Exemption {
  readonly category: string;
  readonly ground: ExemptionGround;
  readonly note: string | null;
  readonly taskId: string | null;
}

/**
 * Where a case stands, derived from its facts: `requested` (no task issued yet), `located` (tasks
 * issued, some not done or keys not destroyed yet, with every task done it is `tasks-completed`),
 * `keys-destroyed` (every task done and the subject's keys destroyed: ready to certify),
 * `certified`.
 */
export type ErasureStatus =
  'requested' | 'located' | 'tasks-completed' | 'keys-destroyed' | 'certified';

/** An erasure case that exists. */
export interface OpenErasureCase {
  readonly status: ErasureStatus;
  readonly caseId: string;
  readonly subject: string;
  readonly receivedAt: string;
  /** The deadline in force: one calendar month after receipt, plus extensions. */
  readonly dueAt: string;
  readonly legalGround: string;
  readonly requestRef: string | null;
  readonly canaryCommitment: string | null;
  readonly extensions: readonly Extension[];
  readonly exemptions: readonly Exemption[];
  /** In the order they were issued. */
  readonly tasks: readonly ErasureTask[];
  readonly keysDestroyed: boolean;
  readonly destroyedKeyIds: readonly string[];
  readonly certificateSha256: string | null;
}

/** The state of one erasure case: none yet, or the case. */
export type ErasureCase = { readonly status: 'none' } | OpenErasureCase;

export const initialState: ErasureCase = { status: 'none' };

/** Months the deadline has been extended by so far. */
export const extendedMonths = (c: OpenErasureCase): number =>
  c.extensions.reduce((n, e) => n + e.months, 0);

export const statusOf = (c: Omit<OpenErasureCase, 'status'>): ErasureStatus => {
  if (c.certificateSha256 !== null) return 'certified';
  if (c.tasks.length === 0) return 'requested';
  if (!c.tasks.every(isDone)) return 'located';
  return c.keysDestroyed ? 'keys-destroyed' : 'tasks-completed';
};
