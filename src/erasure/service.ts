import {
  certifiable,
  decide,
  evolve,
  type ErasureCommand,
  type ErasureEvent,
  type OpenErasureCase,
  type TaskSpec,
} from '../../domain/erasure/decider.js';
import type { ErasureTaskCompletedData } from '../../domain/events/erasure.js';
import type { Actor } from '../../domain/primitives.js';
import { err, ok, type Result } from '../../domain/result.js';
import { canaryCommitment, canaryPatterns, ciphertextPatterns, newCanary } from './canary-scan.js';
import { loadCase, type LoadedCase } from './case-stream.js';
import { createBuiltinExecutors, isBuiltinTask } from './execute.js';
import { issueCertificate } from './issue-certificate.js';
import type { ErasureCertificate } from './certificate.js';
import { builtinTasks, locateSubjectData } from './locate.js';
import type { ErasureService, ErasureServiceDeps, ErasureServiceError, Outcome } from './ports.js';

export type * from './ports.js';

const system: Actor = { principal: 'gouvernail', role: 'system' };

/**
 * The erasure workflow. Every command is decided against the case rebuilt from the log, and the
 * commands of one case run one at a time (this process is assumed to be the only one deciding).
 */
export const createErasureService = (deps: ErasureServiceDeps): ErasureService => {
  const { log, ingestor, now, newId } = deps;
  const executors = createBuiltinExecutors({
    log,
    vault: deps.vault,
    access: deps.access,
    capture: (caseId, blobs) => {
      deps.scanTargets.add(caseId, blobs);
      return deps.scanTargets.of(caseId).length;
    },
  });
  const queues = new Map<string, Promise<unknown>>();

  const exclusive = <T>(caseId: string, work: () => Promise<T>): Promise<T> => {
    const run = (queues.get(caseId) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => undefined);
    queues.set(caseId, tail);
    void tail.then(() => {
      if (queues.get(caseId) === tail) queues.delete(caseId);
    });
    return run;
  };

  const append = async (
    events: readonly ErasureEvent[],
    actor: Actor,
    personal?: { subject: string; fields: Record<string, unknown> },
  ): Promise<Result<null, ErasureServiceError>> => {
    if (events.length === 0) return ok(null);
    const occurredAt = now().toISOString();
    const inputs = events.map((e) => {
      const subject =
        e.type === 'ErasureRequested' || e.type === 'SubjectKeyDestroyed'
          ? e.data.subject
          : undefined;
      return {
        id: newId(),
        type: e.type,
        schemaVersion: 1,
        occurredAt,
        producer: 'gouvernail',
        actor,
        subjects: subject ? [subject] : [],
        data: e.data,
        ...(personal && e.type === 'ErasureRequested'
          ? { personal: { [personal.subject]: personal.fields } }
          : {}),
      };
    });
    const result = await ingestor.ingest(inputs, 'erasure');
    if (result.status === 'rejected') {
      return err({
        type: 'AppendRejected',
        message: result.rejected
          .flatMap((r) => r.issues.map((i) => `${i.path}: ${i.message}`))
          .join('; '),
      });
    }
    return ok(null);
  };

  const decideAndAppend = async (
    loaded: LoadedCase,
    command: ErasureCommand,
    actor: Actor,
  ): Promise<Result<ErasureEvent[], ErasureServiceError>> => {
    const decision = decide(command, loaded.state);
    if (!decision.ok) return decision;
    const appended = await append(decision.value, actor);
    return appended.ok ? decision : appended;
  };

  const openCase = async (
    caseId: string,
  ): Promise<Result<LoadedCase & { state: OpenErasureCase }, ErasureServiceError>> => {
    const loaded = await loadCase(log, caseId);
    if (loaded.state.status === 'none') return err({ type: 'CaseNotFound', caseId });
    return ok({ ...loaded, state: loaded.state });
  };

  /** Waits for the read models to reach the case's last entry (its request at least). */
  const readModelsReach = async (
    loaded: LoadedCase,
  ): Promise<Result<null, ErasureServiceError>> => {
    const position = Math.max(...loaded.entries.map((e) => e.position));
    return (await deps.readModelsAt(position))
      ? ok(null)
      : err({ type: 'ReadModelsBehind', position });
  };

  /**
   * Empties the write-ahead logs that held what the built-in tasks deleted; names the stores whose
   * WAL a reader elsewhere still holds. Their old pages are out of the canary scan's reach for the
   * key vault (no destroyed key is kept to look for), so certification waits for them.
   */
  const walsHeldByReaders = async (): Promise<('log' | 'key vault')[]> => {
    const held: ('log' | 'key vault')[] = [];
    if (!log.truncateWal()) held.push('log');
    if (!(await deps.vault.truncateWal())) held.push('key vault');
    return held;
  };

  const locate = async (caseId: string): Outcome<{ issued: TaskSpec[] }> => {
    const loaded = await openCase(caseId);
    if (!loaded.ok) return loaded;
    const reached = await readModelsReach(loaded.value);
    if (!reached.ok) return reached;
    const tasks = await locateSubjectData({
      subject: loaded.value.state.subject,
      access: deps.access,
      lineage: deps.lineage,
      classifications: await deps.erasureStore.classifiedDatasets(),
    });
    const issued = await decideAndAppend(
      loaded.value,
      { type: 'IssueTasks', caseId, tasks },
      system,
    );
    if (!issued.ok) return issued;
    const ids = new Set(
      issued.value.map((e) => (e.type === 'ErasureTaskIssued' ? e.data.taskId : '')),
    );
    return ok({ issued: tasks.filter((t) => ids.has(t.taskId)) });
  };

  const simple = (caseId: string, command: ErasureCommand, actor: Actor) =>
    exclusive(caseId, async () => {
      const loaded = await openCase(caseId);
      if (!loaded.ok) return loaded;
      return decideAndAppend(loaded.value, command, actor);
    });

  return {
    request: async (input) => {
      const caseId = newId();
      const canary = newCanary();
      const at = now().toISOString();
      const receivedAt = input.receivedAt ?? at;
      return exclusive(caseId, async () => {
        const loaded = await loadCase(log, caseId);
        const command = {
          type: 'RequestErasure',
          caseId,
          subject: input.subject,
          receivedAt,
          legalGround: input.legalGround,
          ...(input.requestRef === undefined ? {} : { requestRef: input.requestRef }),
          canaryCommitment: canaryCommitment(canary),
          actor: input.actor,
          now: at,
        } as const;
        const decision = decide(command, loaded.state);
        if (!decision.ok) return decision;
        const appended = await append(decision.value, input.actor, {
          subject: input.subject,
          fields: { canary },
        });
        if (!appended.ok) return appended;
        // The case exists from here on, and its canary is shown only in this answer: whatever
        // locating says (read models behind, a task the log refuses), answer with the case and no
        // tasks; runBuiltinTasks (or locate) locates it later and reports what stops it.
        const located = await locate(caseId);
        const state = decision.value.reduce(evolve, loaded.state);
        return ok({
          caseId,
          canary,
          receivedAt,
          dueAt: state.status === 'none' ? '' : state.dueAt,
          tasks: located.ok ? located.value.issued : [],
        });
      });
    },

    locate: (caseId) => exclusive(caseId, () => locate(caseId)),

    runBuiltinTasks: (caseId) =>
      exclusive(caseId, async () => {
        let loaded = await openCase(caseId);
        if (!loaded.ok) return loaded;
        // The read-models task purges what the access history holds: it must hold the subject's
        // accesses up to the request. A case requested while they were behind is located first.
        const reached = await readModelsReach(loaded.value);
        if (!reached.ok) return reached;
        if (loaded.value.state.tasks.length === 0) {
          const located = await locate(caseId);
          if (!located.ok) return located;
          loaded = await openCase(caseId);
          if (!loaded.ok) return loaded;
        }
        let { state } = loaded.value;
        const completed: ErasureTaskCompletedData[] = [];
        for (const taskId of Object.values(builtinTasks)) {
          const task = state.tasks.find((t) => t.taskId === taskId);
          if (!task || (task.outcome !== null && task.outcome !== 'failed')) continue;
          const result = await executors.run(taskId, { caseId, subject: state.subject });
          const commands: ErasureCommand[] = [];
          if (result.keysDestroyed)
            commands.push({
              type: 'RecordKeyDestruction',
              caseId,
              subject: state.subject,
              keyIds: result.keysDestroyed.keyIds,
            });
          commands.push({
            type: 'CompleteTask',
            caseId,
            taskId,
            outcome: result.completed.outcome,
            counts: result.completed.counts,
            evidence: result.completed.evidence,
          });
          const events: ErasureEvent[] = [];
          for (const c of commands) {
            const decision = decide(c, state);
            if (!decision.ok) return decision;
            events.push(...decision.value);
            state = decision.value.reduce(evolve, state) as OpenErasureCase;
          }
          const appended = await append(events, system);
          if (!appended.ok) return appended;
          completed.push(result.completed);
        }
        return ok({ completed });
      }),

    reportTask: (caseId, taskId, outcome, counts, evidence, actor = system) =>
      exclusive(caseId, async () => {
        if (isBuiltinTask(taskId)) return err({ type: 'BuiltinTask', taskId });
        const loaded = await openCase(caseId);
        if (!loaded.ok) return loaded;
        const command = {
          type: 'CompleteTask',
          caseId,
          taskId,
          outcome,
          counts,
          ...(evidence === undefined ? {} : { evidence }),
        } as const;
        const done = await decideAndAppend(loaded.value, command, actor);
        return done.ok ? ok({ recorded: done.value.length > 0 }) : done;
      }),

    checkTaskCompletion: async (data) => {
      const loaded = await openCase(data.caseId);
      if (!loaded.ok) return loaded;
      const command = { type: 'CompleteTask', ...data } as const;
      const decision = decide(command, loaded.value.state);
      return decision.ok ? ok({ duplicate: decision.value.length === 0 }) : decision;
    },

    extend: async (caseId, { by, reason, actor }) => {
      const done = await simple(
        caseId,
        { type: 'ExtendDeadline', caseId, by, reason, now: now().toISOString() },
        actor,
      );
      if (!done.ok) return done;
      const extended = done.value.find((e) => e.type === 'ErasureExtended');
      return ok({ dueAt: extended?.type === 'ErasureExtended' ? extended.data.dueAt : '' });
    },

    exempt: async (caseId, { actor, ...exemption }) => {
      const done = await simple(caseId, { type: 'RecordExemption', caseId, ...exemption }, actor);
      return done.ok ? ok(null) : done;
    },

    certify: (caseId, { canary, actor = system }) =>
      exclusive(caseId, async () => {
        const loaded = await openCase(caseId);
        if (!loaded.ok) return loaded;
        const ready = certifiable(loaded.value.state);
        if (!ready.ok) return ready;
        const state = ready.value;
        if (state.canaryCommitment !== canaryCommitment(canary))
          return err({ type: 'CanaryMismatch' });
        const held = await walsHeldByReaders();
        if (held.length > 0)
          return err({
            type: 'WalHeldByReader',
            stores: held,
            retry: 'certify again once that reader has finished',
          });
        const blobs = deps.scanTargets.of(caseId);
        const patterns = [...canaryPatterns(canary), ...ciphertextPatterns(blobs)];
        const scan = await deps.scan(deps.dataDirs, patterns);
        if (scan.hits.length > 0) return err({ type: 'TracesFound', hits: scan.hits });
        const issued = await issueCertificate({
          state,
          entries: loaded.value.entries,
          proofs: deps.proofs,
          checkpoints: deps.checkpoints,
          signer: deps.signer,
          origin: deps.origin,
          certifiedAt: now().toISOString(),
          canaryScan: {
            ...scan,
            patterns: patterns.length,
            ciphertextBlobs: blobs.length,
            result: 'no-trace',
          },
        });
        if (!issued.ok) return issued;
        const { certificate, certificateSha256 } = issued.value;
        const done = await decideAndAppend(
          loaded.value,
          { type: 'Certify', caseId, certificateSha256, certificate },
          actor,
        );
        if (!done.ok) return done;
        deps.scanTargets.drop(caseId);
        return ok({ certificate, certificateSha256 });
      }),

    certificate: async (caseId) => {
      const { entries } = await loadCase(log, caseId);
      const certified = entries.find((e) => e.event.type === 'ErasureCertified');
      return certified?.event.type === 'ErasureCertified'
        ? (certified.event.data.certificate as ErasureCertificate)
        : null;
    },

    sweepScanTargets: async () => {
      const swept: string[] = [];
      for (const caseId of deps.scanTargets.cases()) {
        const { state } = await loadCase(log, caseId);
        if (state.status !== 'certified') continue;
        deps.scanTargets.drop(caseId);
        swept.push(caseId);
      }
      return swept;
    },

    state: async (caseId) => {
      const { state } = await loadCase(log, caseId);
      return state.status === 'none' ? null : state;
    },
  };
};
