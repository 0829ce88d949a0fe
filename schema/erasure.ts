import { exemptionGroundNames, ExemptionGrounds } from '../domain/events/erasure.js';
import type {
  ErasureStatus,
  ErasureTask,
  Exemption,
  Extension,
} from '../domain/erasure/decider.js';
import type { Result } from '../domain/result.js';
import type { ErasureCaseSummary } from '../projections/erasure/ports.js';
import type { ErasureServiceError } from '../src/erasure/ports.js';
import { allow, builder } from './builder.js';
import { problem } from './problems.js';

const statuses: ErasureStatus[] = [
  'requested',
  'located',
  'tasks-completed',
  'keys-destroyed',
  'certified',
];
const enumName = (v: string): string => v.toUpperCase().replace(/-/g, '_');

const ErasureStatusEnum = builder.enumType('ErasureStatus', {
  values: Object.fromEntries(statuses.map((s) => [enumName(s), { value: s }])),
});

const ExemptionGroundEnum = builder.enumType('ExemptionGround', {
  description: 'GDPR Art. 17(3) grounds on which erasure does not apply.',
  values: Object.fromEntries(
    exemptionGroundNames.map((g) => [enumName(g), { value: g, description: ExemptionGrounds[g] }]),
  ),
});

const TaskOutcomeEnum = builder.enumType('ErasureTaskOutcome', {
  values: {
    ERASED: { value: 'erased' },
    NOTHING_FOUND: { value: 'nothing_found' },
    EXEMPTED: { value: 'exempted' },
    FAILED: { value: 'failed' },
  } as const,
});

const ErasureTaskType = builder.objectRef<ErasureTask>('ErasureTask').implement({
  description: 'One system or dataset that may hold the subject’s data, and what it reported.',
  fields: (t) => ({
    taskId: t.exposeID('taskId'),
    system: t.exposeString('system'),
    target: t.exposeString('target'),
    executor: t.exposeString('executor'),
    reason: t.exposeString('reason', { nullable: true }),
    outcome: t.expose('outcome', { type: TaskOutcomeEnum, nullable: true }),
    counts: t.field({ type: 'JSON', resolve: (task) => task.counts }),
    evidence: t.field({ type: 'JSON', nullable: true, resolve: (task) => task.evidence ?? null }),
  }),
});

const ExtensionType = builder.objectRef<Extension>('ErasureExtension').implement({
  fields: (t) => ({
    months: t.exposeInt('months'),
    previousDueAt: t.expose('previousDueAt', { type: 'DateTime' }),
    dueAt: t.expose('dueAt', { type: 'DateTime' }),
    reason: t.exposeString('reason'),
  }),
});

const ExemptionType = builder.objectRef<Exemption>('ErasureExemption').implement({
  fields: (t) => ({
    category: t.exposeString('category'),
    ground: t.expose('ground', { type: ExemptionGroundEnum }),
    note: t.exposeString('note', { nullable: true }),
    taskId: t.exposeString('taskId', { nullable: true }),
  }),
});

const ErasureCaseType = builder.objectRef<ErasureCaseSummary>('ErasureCase').implement({
  description: 'A data subject’s erasure request (GDPR Art. 17), from receipt to certificate.',
  fields: (t) => ({
    caseId: t.exposeID('caseId'),
    subject: t.exposeString('subject', {
      description: 'The pseudonymous subject id, never the identifier.',
    }),
    status: t.expose('status', { type: ErasureStatusEnum }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    dueAt: t.expose('dueAt', {
      type: 'DateTime',
      description: 'One calendar month after receipt, plus extensions.',
    }),
    overdue: t.exposeBoolean('overdue'),
    legalGround: t.exposeString('legalGround'),
    requestRef: t.exposeString('requestRef', { nullable: true }),
    extensions: t.expose('extensions', { type: [ExtensionType] }),
    exemptions: t.expose('exemptions', { type: [ExemptionType] }),
    tasks: t.expose('tasks', { type: [ErasureTaskType] }),
    destroyedKeyIds: t.exposeStringList('destroyedKeyIds'),
    certificateSha256: t.exposeString('certificateSha256', { nullable: true }),
    certifiedAt: t.expose('certifiedAt', { type: 'DateTime', nullable: true }),
  }),
});

interface RequestOutcome {
  caseId: string;
  canary: string;
  receivedAt: string;
  dueAt: string;
  tasks: readonly { taskId: string; system: string; target: string; executor: string }[];
}

const ErasureRequestedType = builder.objectRef<RequestOutcome>('ErasureRequestOutcome').implement({
  fields: (t) => ({
    caseId: t.exposeID('caseId'),
    canary: t.exposeString('canary', {
      description:
        'A random marker planted for the post-erasure scan. Shown once, stored nowhere in clear: give it back to certifyErasure.',
    }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    dueAt: t.expose('dueAt', { type: 'DateTime' }),
    taskCount: t.int({ resolve: (r) => r.tasks.length }),
  }),
});

const CertifiedType = builder
  .objectRef<{ certificateSha256: string; certificate: unknown }>('ErasureCertified')
  .implement({
    fields: (t) => ({
      certificateSha256: t.exposeString('certificateSha256'),
      certificate: t.field({ type: 'JSON', resolve: (c) => c.certificate }),
    }),
  });

const describeError = (e: ErasureServiceError): string => {
  const { type, ...details } = e as { type: string } & Record<string, unknown>;
  const words = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return Object.keys(details).length > 0 ? `${words}: ${JSON.stringify(details)}` : words;
};

/** A refused erasure command becomes ERASURE_REFUSED with the decider's reason. */
const unwrap = async <T>(result: Promise<Result<T, ErasureServiceError>>): Promise<T> => {
  const r = await result;
  if (r.ok) return r.value;
  throw problem('ERASURE_REFUSED', describeError(r.error), { reason: r.error.type });
};

const dpo = allow('dpo');

builder.queryFields((t) => ({
  erasureCase: t.field({
    type: ErasureCaseType,
    nullable: true,
    args: { caseId: t.arg.id({ required: true }) },
    authScopes: dpo,
    resolve: (_p, args, ctx) => ctx.erasure.cases.case(args.caseId),
  }),
  erasureCases: t.field({
    type: [ErasureCaseType],
    nullable: true,
    description:
      'Erasure cases, optionally by status; `overdue: true` lists those past their due date and not certified.',
    args: { status: t.arg({ type: ErasureStatusEnum }), overdue: t.arg.boolean() },
    authScopes: dpo,
    resolve: async (_p, args, ctx) =>
      ctx.erasure.cases.cases({
        ...(args.status ? { status: args.status } : {}),
        ...(args.overdue ? { overdueAt: new Date() } : {}),
      }),
  }),
  erasureCertificate: t.field({
    type: 'JSON',
    nullable: true,
    description:
      'The signed certificate of a certified case; verify it offline with `gouvernail verify-certificate`.',
    args: { caseId: t.arg.id({ required: true }) },
    authScopes: dpo,
    resolve: (_p, args, ctx) => ctx.erasure.service.certificate(args.caseId),
  }),
}));

builder.mutationFields((t) => ({
  requestErasure: t.field({
    type: ErasureRequestedType,
    description:
      'Opens an erasure case: records the request, locates the subject’s data through lineage and access history, issues the tasks. If those read models have not caught up with the log yet, the case is opened with no tasks (taskCount 0) and runBuiltinErasureTasks locates it first.',
    args: {
      subject: t.arg.string({ required: true }),
      legalGround: t.arg.string({ required: true }),
      requestRef: t.arg.string(),
      receivedAt: t.arg({ type: 'DateTime' }),
    },
    authScopes: dpo,
    resolve: (_p, args, ctx) =>
      unwrap(
        ctx.erasure.service.request({
          subject: args.subject,
          legalGround: args.legalGround,
          ...(args.requestRef ? { requestRef: args.requestRef } : {}),
          ...(args.receivedAt ? { receivedAt: args.receivedAt } : {}),
          actor: { principal: ctx.principal!.id, role: ctx.principal!.role },
        }),
      ),
  }),
  extendErasure: t.field({
    type: 'DateTime',
    description:
      'Extends the deadline by 1 or 2 months (GDPR Art. 12(3): at most two in total, with a reason). Returns the new due date.',
    args: {
      caseId: t.arg.id({ required: true }),
      months: t.arg.int({ required: true }),
      reason: t.arg.string({ required: true }),
    },
    authScopes: dpo,
    resolve: async (_p, args, ctx) =>
      (
        await unwrap(
          ctx.erasure.service.extend(args.caseId, {
            by: args.months,
            reason: args.reason,
            actor: { principal: ctx.principal!.id, role: ctx.principal!.role },
          }),
        )
      ).dueAt,
  }),
  recordErasureExemption: t.field({
    type: 'Boolean',
    description:
      'Records a legal exemption (Art. 17(3)) for a data category, optionally completing one task as exempted.',
    args: {
      caseId: t.arg.id({ required: true }),
      category: t.arg.string({ required: true }),
      ground: t.arg({ type: ExemptionGroundEnum, required: true }),
      note: t.arg.string(),
      taskId: t.arg.string(),
    },
    authScopes: dpo,
    resolve: async (_p, args, ctx) => {
      await unwrap(
        ctx.erasure.service.exempt(args.caseId, {
          category: args.category,
          ground: args.ground,
          ...(args.note ? { note: args.note } : {}),
          ...(args.taskId ? { taskId: args.taskId } : {}),
          actor: { principal: ctx.principal!.id, role: ctx.principal!.role },
        }),
      );
      return true;
    },
  }),
  runBuiltinErasureTasks: t.field({
    type: 'Int',
    description:
      'Erases the subject from gouvernail’s own stores: read models, sealed ciphertext, then the subject’s keys. Locates the case first if it has no tasks yet; refused (ReadModelsBehind) while the read models have not caught up with the log. Returns the tasks completed.',
    args: { caseId: t.arg.id({ required: true }) },
    authScopes: dpo,
    resolve: async (_p, args, ctx) =>
      (await unwrap(ctx.erasure.service.runBuiltinTasks(args.caseId))).completed.length,
  }),
  reportErasureTask: t.field({
    type: 'Boolean',
    description:
      'Records an external system’s result for one task (executors may also POST an ErasureTaskCompleted event).',
    args: {
      caseId: t.arg.id({ required: true }),
      taskId: t.arg.string({ required: true }),
      outcome: t.arg({ type: TaskOutcomeEnum, required: true }),
      counts: t.arg({ type: 'JSON', required: true }),
      evidence: t.arg({ type: 'JSON' }),
    },
    authScopes: dpo,
    resolve: async (_p, args, ctx) =>
      (
        await unwrap(
          ctx.erasure.service.reportTask(
            args.caseId,
            args.taskId,
            args.outcome,
            args.counts as Record<string, number>,
            args.evidence ?? undefined,
            {
              principal: ctx.principal!.id,
              role: ctx.principal!.role,
            },
          ),
        )
      ).recorded,
  }),
  certifyErasure: t.field({
    type: CertifiedType,
    description:
      'Scans for the canary, then signs and records the erasure certificate. Refused while a task is open or a trace remains.',
    args: { caseId: t.arg.id({ required: true }), canary: t.arg.string({ required: true }) },
    authScopes: dpo,
    resolve: (_p, args, ctx) =>
      unwrap(
        ctx.erasure.service.certify(args.caseId, {
          canary: args.canary,
          actor: { principal: ctx.principal!.id, role: ctx.principal!.role },
        }),
      ),
  }),
}));
