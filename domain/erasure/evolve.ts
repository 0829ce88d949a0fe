import type { ErasureEvent } from './events.js';
import {
  isDone,
  statusOf,
  type ErasureCase,
  type ErasureTask,
  type OpenErasureCase,
} from './state.js';

const withStatus = (c: Omit<OpenErasureCase, 'status'>): OpenErasureCase => ({
  ...c,
  status: statusOf(c),
});

const completeTask = (
  c: OpenErasureCase,
  e: Extract<ErasureEvent, { type: 'ErasureTaskCompleted' }>,
): OpenErasureCase => {
  const { taskId, outcome, counts, evidence } = e.data;
  const task = c.tasks.find((t) => t.taskId === taskId);
  if (!task || isDone(task)) return c;
  const done: ErasureTask = {
    ...task,
    outcome,
    counts: { ...counts },
    ...(evidence === undefined ? {} : { evidence }),
  };
  return withStatus({ ...c, tasks: c.tasks.map((t) => (t.taskId === taskId ? done : t)) });
};

/**
 * Folds one event into a case. Total and tolerant, because events also arrive from outside the
 * decider (external executors POST `ErasureTaskCompleted`): a second request, a task issued twice,
 * a completion of an unknown task or of a task already done, and events of another case or subject
 * change nothing. A `SubjectKeyDestroyed` without `caseId` counts for every case of its subject.
 */
export const evolve = (state: ErasureCase, event: ErasureEvent): ErasureCase => {
  if (event.type === 'ErasureRequested') {
    if (state.status !== 'none') return state;
    const d = event.data;
    return withStatus({
      caseId: d.caseId,
      subject: d.subject,
      receivedAt: d.receivedAt,
      dueAt: d.dueAt,
      legalGround: d.legalGround,
      requestRef: d.requestRef ?? null,
      canaryCommitment: d.canaryCommitment ?? null,
      extensions: [],
      exemptions: [],
      tasks: [],
      keysDestroyed: false,
      destroyedKeyIds: [],
      certificateSha256: null,
    });
  }
  if (state.status === 'none') return state;
  if (event.type === 'SubjectKeyDestroyed') {
    const d = event.data;
    if (d.subject !== state.subject || (d.caseId !== undefined && d.caseId !== state.caseId))
      return state;
    return withStatus({
      ...state,
      keysDestroyed: true,
      destroyedKeyIds: [...new Set([...state.destroyedKeyIds, ...d.keyIds])],
    });
  }
  if (event.data.caseId !== state.caseId) return state;
  switch (event.type) {
    case 'ErasureTaskIssued': {
      const d = event.data;
      if (state.tasks.some((t) => t.taskId === d.taskId)) return state;
      const task: ErasureTask = {
        taskId: d.taskId,
        system: d.system,
        target: d.target,
        executor: d.executor,
        reason: d.reason ?? null,
        outcome: null,
        counts: {},
      };
      return withStatus({ ...state, tasks: [...state.tasks, task] });
    }
    case 'ErasureTaskCompleted':
      return completeTask(state, event);
    case 'ErasureExtended': {
      const { months, previousDueAt, dueAt, reason } = event.data;
      return withStatus({
        ...state,
        dueAt,
        extensions: [...state.extensions, { months, previousDueAt, dueAt, reason }],
      });
    }
    case 'ErasureExemptionRecorded': {
      const { category, ground, note, taskId } = event.data;
      return withStatus({
        ...state,
        exemptions: [
          ...state.exemptions,
          { category, ground, note: note ?? null, taskId: taskId ?? null },
        ],
      });
    }
    case 'ErasureCertified':
      return state.certificateSha256 === null
        ? withStatus({ ...state, certificateSha256: event.data.certificateSha256 })
        : state;
  }
};
