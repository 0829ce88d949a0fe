import { assertNever, err, ok, type Result } from '../result.js';
import { dueDate, GDPR_APPLIES_FROM, isInstant, MAX_EXTENSION_MONTHS } from './calendar.js';
import type {
  Certify,
  CompleteTask,
  ErasureCommand,
  ExtendDeadline,
  IssueTasks,
  RecordExemption,
  RecordKeyDestruction,
  RequestErasure,
} from './commands.js';
import type { ErasureError } from './errors.js';
import type { ErasureEvent } from './events.js';
import { extendedMonths, isDone, type ErasureCase, type OpenErasureCase } from './state.js';

type Decision = Result<ErasureEvent[], ErasureError>;

const none: Decision = ok([]);

const request = (c: RequestErasure, s: ErasureCase): Decision => {
  if (s.status !== 'none') return err({ type: 'CaseAlreadyExists', caseId: c.caseId });
  for (const [field, value] of [
    ['receivedAt', c.receivedAt],
    ['now', c.now],
  ] as const) {
    if (!isInstant(value)) return err({ type: 'InvalidTimestamp', field, value });
  }
  if (Date.parse(c.receivedAt) > Date.parse(c.now))
    return err({ type: 'ReceivedInFuture', receivedAt: c.receivedAt, now: c.now });
  if (Date.parse(c.receivedAt) < Date.parse(GDPR_APPLIES_FROM))
    return err({
      type: 'ReceivedBeforeGdprApplied',
      receivedAt: c.receivedAt,
      appliesFrom: GDPR_APPLIES_FROM,
    });
  return ok([
    {
      type: 'ErasureRequested',
      data: {
        caseId: c.caseId,
        subject: c.subject,
        receivedAt: c.receivedAt,
        dueAt: dueDate(c.receivedAt),
        legalGround: c.legalGround,
        ...(c.requestRef === undefined ? {} : { requestRef: c.requestRef }),
        canaryCommitment: c.canaryCommitment,
      },
    },
  ]);
};

const issue = (c: IssueTasks, s: OpenErasureCase): Decision => {
  const events: ErasureEvent[] = [];
  const seen = new Map(s.tasks.map((t) => [t.taskId, t]));
  for (const t of c.tasks) {
    const earlier = seen.get(t.taskId);
    if (earlier) {
      const same =
        earlier.system === t.system &&
        earlier.target === t.target &&
        earlier.executor === t.executor;
      if (!same) return err({ type: 'TaskAlreadyIssued', taskId: t.taskId });
      continue;
    }
    seen.set(t.taskId, { ...t, outcome: null, counts: {} });
    events.push({
      type: 'ErasureTaskIssued',
      data: {
        caseId: s.caseId,
        taskId: t.taskId,
        system: t.system,
        target: t.target,
        executor: t.executor,
        reason: t.reason,
      },
    });
  }
  return ok(events);
};

const complete = (c: CompleteTask, s: OpenErasureCase): Decision => {
  const task = s.tasks.find((t) => t.taskId === c.taskId);
  if (!task) return err({ type: 'TaskUnknown', taskId: c.taskId });
  if (task.outcome === c.outcome && isDone(task)) return none;
  if (isDone(task))
    return err({ type: 'TaskAlreadyCompleted', taskId: c.taskId, outcome: task.outcome! });
  if (!Object.values(c.counts).every((n) => Number.isSafeInteger(n) && n >= 0))
    return err({ type: 'InvalidCounts', taskId: c.taskId });
  if (c.outcome === 'exempted' && s.exemptions.length === 0)
    return err({ type: 'ExemptionNotRecorded', taskIds: [c.taskId] });
  return ok([
    {
      type: 'ErasureTaskCompleted',
      data: {
        caseId: s.caseId,
        taskId: c.taskId,
        outcome: c.outcome,
        counts: { ...c.counts },
        ...(c.evidence === undefined ? {} : { evidence: c.evidence }),
      },
    },
  ]);
};

const extend = (c: ExtendDeadline, s: OpenErasureCase): Decision => {
  if (c.by !== 1 && c.by !== 2) return err({ type: 'InvalidExtension', by: c.by });
  if (c.reason.trim() === '') return err({ type: 'ReasonRequired' });
  if (!isInstant(c.now)) return err({ type: 'InvalidTimestamp', field: 'now', value: c.now });
  const already = extendedMonths(s);
  if (already + c.by > MAX_EXTENSION_MONTHS) {
    return err({
      type: 'ExtensionTooLong',
      requested: c.by,
      alreadyExtended: already,
      max: MAX_EXTENSION_MONTHS,
    });
  }
  const originalDueAt = dueDate(s.receivedAt);
  if (Date.parse(c.now) > Date.parse(originalDueAt))
    return err({ type: 'ExtensionTooLate', originalDueAt, now: c.now });
  return ok([
    {
      type: 'ErasureExtended',
      data: {
        caseId: s.caseId,
        months: c.by,
        previousDueAt: s.dueAt,
        dueAt: dueDate(s.receivedAt, already + c.by),
        reason: c.reason,
      },
    },
  ]);
};

const exempt = (c: RecordExemption, s: OpenErasureCase): Decision => {
  const task = c.taskId === undefined ? undefined : s.tasks.find((t) => t.taskId === c.taskId);
  if (c.taskId !== undefined && !task) return err({ type: 'TaskUnknown', taskId: c.taskId });
  if (task && isDone(task) && task.outcome !== 'exempted') {
    return err({ type: 'TaskAlreadyCompleted', taskId: task.taskId, outcome: task.outcome! });
  }
  const events: ErasureEvent[] = [
    {
      type: 'ErasureExemptionRecorded',
      data: {
        caseId: s.caseId,
        category: c.category,
        ground: c.ground,
        ...(c.note === undefined ? {} : { note: c.note }),
        ...(c.taskId === undefined ? {} : { taskId: c.taskId }),
      },
    },
  ];
  if (task && !isDone(task)) {
    events.push({
      type: 'ErasureTaskCompleted',
      data: {
        caseId: s.caseId,
        taskId: task.taskId,
        outcome: 'exempted',
        counts: {},
        evidence: { ground: c.ground, category: c.category },
      },
    });
  }
  return ok(events);
};

const destroyKeys = (c: RecordKeyDestruction, s: OpenErasureCase): Decision => {
  if (c.subject !== s.subject)
    return err({ type: 'SubjectMismatch', expected: s.subject, actual: c.subject });
  const fresh = c.keyIds.filter((id) => !s.destroyedKeyIds.includes(id));
  if (s.keysDestroyed && fresh.length === 0) return none;
  return ok([
    {
      type: 'SubjectKeyDestroyed',
      data: { subject: s.subject, keyIds: [...new Set(fresh)], caseId: s.caseId },
    },
  ]);
};

/**
 * Whether a case may be certified now: it has tasks, every one done (erased, nothing found or
 * exempted; a failed task is not done), an exemption on record for every exempted task, and the
 * subject's keys destroyed.
 */
export const certifiable = (s: ErasureCase): Result<OpenErasureCase, ErasureError> => {
  if (s.status === 'none') return err({ type: 'CaseNotFound', caseId: '' });
  if (s.status === 'certified') return err({ type: 'AlreadyCertified', caseId: s.caseId });
  if (s.tasks.length === 0) return err({ type: 'NoTasks', caseId: s.caseId });
  const notDone = s.tasks.filter((t) => !isDone(t));
  if (notDone.length > 0) {
    return err({
      type: 'TasksStillOpen',
      open: notDone.filter((t) => t.outcome === null).map((t) => t.taskId),
      failed: notDone.filter((t) => t.outcome === 'failed').map((t) => t.taskId),
    });
  }
  const exempted = s.tasks.filter((t) => t.outcome === 'exempted').map((t) => t.taskId);
  if (exempted.length > 0 && s.exemptions.length === 0)
    return err({ type: 'ExemptionNotRecorded', taskIds: exempted });
  if (!s.keysDestroyed) return err({ type: 'KeysNotDestroyed', subject: s.subject });
  return ok(s);
};

const certify = (c: Certify, s: OpenErasureCase): Decision => {
  const ready = certifiable(s);
  if (!ready.ok) return ready;
  return ok([
    {
      type: 'ErasureCertified',
      data: {
        caseId: s.caseId,
        certificateSha256: c.certificateSha256,
        certificate: c.certificate,
      },
    },
  ]);
};

/**
 * Decides a command against the state of its case: the events to append (none when the command is
 * already satisfied, e.g. a task completed again with the same outcome) or why it is refused.
 */
export const decide = (command: ErasureCommand, state: ErasureCase): Decision => {
  if (command.type === 'RequestErasure') return request(command, state);
  if (state.status === 'none' || state.caseId !== command.caseId)
    return err({ type: 'CaseNotFound', caseId: command.caseId });
  if (state.status === 'certified') return err({ type: 'AlreadyCertified', caseId: state.caseId });
  switch (command.type) {
    case 'IssueTasks':
      return issue(command, state);
    case 'CompleteTask':
      return complete(command, state);
    case 'ExtendDeadline':
      return extend(command, state);
    case 'RecordExemption':
      return exempt(command, state);
    case 'RecordKeyDestruction':
      return destroyKeys(command, state);
    case 'Certify':
      return certify(command, state);
    default:
      return assertNever(command);
  }
};
