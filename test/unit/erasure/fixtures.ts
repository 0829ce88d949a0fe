import type { ErasureEvent, TaskSpec } from '../../../domain/erasure/decider.js';

export const caseId = 'case-1';
export const subject = 'subj_AAAAAAAAAAAAAAAAAAAA';
export const actor = { principal: 'dpo@example.org', role: 'dpo' } as const;
export const commitment = 'c'.repeat(43);

export const requested = (
  receivedAt = '2026-01-31T10:00:00.000Z',
  dueAt = '2026-02-28T10:00:00.000Z',
): ErasureEvent => ({
  type: 'ErasureRequested',
  data: {
    caseId,
    subject,
    receivedAt,
    dueAt,
    legalGround: 'Art. 17(1)(b)',
    canaryCommitment: commitment,
  },
});

export const spec = (taskId: string, executor: 'builtin' | 'external' = 'external'): TaskSpec => ({
  taskId,
  system: executor === 'builtin' ? 'gouvernail' : 'spark',
  target: `s3://lake/${taskId}`,
  executor,
  reason: 'PII-tagged',
});

export const issued = (
  taskId: string,
  executor: 'builtin' | 'external' = 'external',
): ErasureEvent => ({
  type: 'ErasureTaskIssued',
  data: { caseId, ...spec(taskId, executor) },
});

export const completed = (
  taskId: string,
  outcome: 'erased' | 'nothing_found' | 'exempted' | 'failed' = 'erased',
  counts: Record<string, number> = { rows: 3 },
): ErasureEvent => ({ type: 'ErasureTaskCompleted', data: { caseId, taskId, outcome, counts } });

export const keysDestroyed = (keyIds: string[] = ['dk_1']): ErasureEvent => ({
  type: 'SubjectKeyDestroyed',
  data: { subject, keyIds, caseId },
});

export const extended = (months: 1 | 2, previousDueAt: string, dueAt: string): ErasureEvent => ({
  type: 'ErasureExtended',
  data: { caseId, months, previousDueAt, dueAt, reason: 'complex request' },
});

export const exemption = (taskId?: string): ErasureEvent => ({
  type: 'ErasureExemptionRecorded',
  data: { caseId, category: 'invoices', ground: 'legal-obligation', ...(taskId ? { taskId } : {}) },
});

export const certified = (): ErasureEvent => ({
  type: 'ErasureCertified',
  data: { caseId, certificateSha256: 'x'.repeat(43), certificate: { ok: true } },
});
