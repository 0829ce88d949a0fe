import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { upcast } from '../../../domain/catalogue.js';
import { accessHistory } from '../../../projections/access/evolve.js';
import type { AccessHistoryStore } from '../../../projections/access/ports.js';
import { createSqliteAccessStore } from '../../../projections/access/sqlite/store.js';
import { erasureCases } from '../../../projections/erasure/evolve.js';
import { createSqliteErasureStore } from '../../../projections/erasure/sqlite/store.js';
import { lineageGraph } from '../../../projections/lineage/evolve.js';
import { createSqliteLineageStore } from '../../../projections/lineage/sqlite/store.js';
import type { Projection, ProjectionStore } from '../../../projections/ports.js';
import { createCheckpointPublisher } from '../../../src/checkpoint/publisher.js';
import { generateSigningKey } from '../../../src/checkpoint/keys.js';
import { createSqliteCheckpointStore } from '../../../src/checkpoint/store.js';
import { kekFromBytes } from '../../../src/crypto/kek.js';
import { createSqliteKeyVault } from '../../../src/crypto/sqlite-key-vault.js';
import { builtinTasks } from '../../../src/erasure/locate.js';
import { createSqliteScanTargets, type ScanTargets } from '../../../src/erasure/scan-targets.js';
import { scanForTraces } from '../../../src/erasure/canary-scan.js';
import { createErasureService } from '../../../src/erasure/service.js';
import { createIngestor } from '../../../src/ingest/ingest.js';
import { createSqliteEventLog } from '../../../src/log/sqlite/event-log.js';
import { openSqlite } from '../../../src/log/sqlite/open.js';
import { createMetrics } from '../../../src/metrics.js';
import { createPersonalReader } from '../../../src/personal.js';
import { createProofService } from '../../../src/proofs.js';

export const origin = 'gouvernail.test/log';
export const dpo = { principal: 'dpo@example.org', role: 'dpo' } as const;
export const camille = 'subj_CamilleMartin000001';
export const other = 'subj_SomeoneElse00000001';

let n = 0;
const id = (): string => `ev-${++n}`;

const access = (subject: string, email: string, resource: string) => ({
  id: id(),
  type: 'AccessRecorded',
  schemaVersion: 1,
  occurredAt: '2026-01-02T00:00:00.000Z',
  producer: 'kafka-authorizer',
  actor: { principal: 'User:etl', role: 'analyst' },
  subjects: [subject],
  personal: { [subject]: { email } },
  data: {
    principal: 'User:etl',
    resource,
    action: 'read',
    decision: 'allowed',
    mechanism: 'kafka-acl',
  },
});

const lineageRun = (k: number, input: [string, string], output: [string, string]) => ({
  id: id(),
  type: 'LineageRunEvent',
  schemaVersion: 1,
  occurredAt: `2026-01-01T00:0${k}:00.000Z`,
  producer: 'spark',
  actor: { principal: 'openlineage', role: 'producer' },
  data: {
    kind: 'RunEvent',
    event: {
      eventType: 'COMPLETE',
      eventTime: `2026-01-01T00:0${k}:00.000Z`,
      producer: 'https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/spark',
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      run: { runId: `00000000-0000-4000-8000-00000000000${k}` },
      job: { namespace: 'spark', name: `job${k}` },
      inputs: [{ namespace: input[0], name: input[1] }],
      outputs: [{ namespace: output[0], name: output[1] }],
    },
  },
});

/** The DPO tags a dataset's `email` column as `pii.email`, as the catalog would. */
export const emailClassified = (dataset: { namespace: string; name: string }, eventId = id()) => ({
  id: eventId,
  type: 'DatasetClassified',
  schemaVersion: 1,
  occurredAt: '2026-01-01T00:00:00.000Z',
  producer: 'catalog',
  actor: dpo,
  data: { dataset, field: 'email', tags: ['pii.email'] },
});

/**
 * gouvernail embedded, in a temp dir, with the erasure service wired as the composition root would.
 * `access` replaces the embedded access-history store (a Cassandra one, say).
 */
export const createHarness = (options: { access?: AccessHistoryStore } = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'gv-erasure-'));
  const log = createSqliteEventLog({ file: join(dir, 'log.sqlite') });
  const vault = createSqliteKeyVault({
    file: join(dir, 'keys.sqlite'),
    kek: kekFromBytes(randomBytes(32)),
  });
  const ingestor = createIngestor({ log, vault, origin, metrics: createMetrics() });
  const readDb = openSqlite(join(dir, 'read-models.sqlite'));
  const accessStore: AccessHistoryStore = options.access ?? createSqliteAccessStore({ db: readDb });
  const lineage = createSqliteLineageStore({ db: readDb });
  const erasureStore = createSqliteErasureStore({ db: readDb });
  const key = generateSigningKey(origin);
  const checkpoints = createSqliteCheckpointStore(log.db);
  const publisher = createCheckpointPublisher({
    tree: () => log.tree,
    store: checkpoints,
    signer: key.signer,
    origin,
    intervalMs: 60_000,
  });
  const proofs = createProofService({ log, store: checkpoints, publisher, origin });
  const personal = createPersonalReader({ log, vault, origin });
  const scanTargetsFile = join(dir, 'erasure-scan.sqlite');
  const opened: ScanTargets[] = [];
  /** The erasure service as a (re)started process would build it: no memory of earlier calls. */
  const newService = (options: { readModelsAt?: (position: number) => Promise<boolean> } = {}) => {
    const scanTargets = createSqliteScanTargets(scanTargetsFile);
    opened.push(scanTargets);
    return createErasureService({
      log,
      scanTargets,
      ingestor,
      vault,
      access: accessStore,
      lineage,
      erasureStore,
      signer: key.signer,
      proofs,
      checkpoints,
      origin,
      dataDirs: [dir],
      // In-process: no other process shares these files (the service scans from a child process).
      scan: scanForTraces,
      now: () => new Date(),
      newId: randomUUID,
      readModelsAt:
        options.readModelsAt ??
        (async () => {
          await sync();
          return true;
        }),
    });
  };
  const service = newService();

  const bindings: [Projection<unknown>, ProjectionStore<unknown>][] = [
    [accessHistory, accessStore],
    [lineageGraph, lineage],
    [erasureCases, erasureStore],
  ];
  /** Catches every read model up with the log. */
  const sync = async (): Promise<void> => {
    for (const [projection, store] of bindings) {
      const from = (await store.checkpoint()) + 1;
      const entries = await log.read(from, 100_000);
      const last = entries.at(-1);
      if (!last) continue;
      await store.apply(
        entries.flatMap((e) => projection.changesFor(upcast(e.event), e.position)),
        last.position,
      );
    }
  };

  const ingest = async (events: unknown[]): Promise<void> => {
    const r = await ingestor.ingest(events, 'test');
    if (r.status !== 'accepted') throw new Error(JSON.stringify(r.rejected));
  };

  /** Camille's and someone else's accesses, a lineage chain orders → orders_clean → sales, orders.email tagged. */
  const seed = async (): Promise<{ camilleEvent: string; otherEvent: string }> => {
    const a = access(camille, 'camille.martin@example.org', 'kafka://prod/orders');
    const b = access(camille, 'camille.martin@example.org', 'mongodb://crm/people');
    const c = access(other, 'someone.else@example.org', 'kafka://prod/orders');
    await ingest([
      lineageRun(1, ['kafka://prod', 'orders'], ['s3://lake', 'orders_clean']),
      lineageRun(2, ['s3://lake', 'orders_clean'], ['streamlit://bi', 'sales']),
      emailClassified({ namespace: 'kafka://prod', name: 'orders' }),
      a,
      b,
      c,
    ]);
    await sync();
    return { camilleEvent: a.id, otherEvent: c.id };
  };

  return {
    dir,
    log,
    vault,
    ingestor,
    accessStore,
    erasureStore,
    publisher,
    checkpoints,
    personal,
    service,
    newService,
    key,
    sync,
    ingest,
    seed,
    close: async () => {
      for (const t of opened) t.close();
      readDb.close();
      await vault.close();
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

export type Harness = ReturnType<typeof createHarness>;

/** Seeds the platform story and opens Camille's case; returns its id, canary and tasks. */
export const requestCamilleErasure = async (h: Harness) => {
  await h.seed();
  const r = await h.service.request({ subject: camille, legalGround: 'Art. 17(1)(a)', actor: dpo });
  if (!r.ok) throw new Error('request failed');
  return r.value;
};

/** Every external executor reports that it found nothing of the subject. */
export const reportNothingFound = async (
  service: Harness['service'],
  caseId: string,
  tasks: readonly { taskId: string; executor: string }[],
): Promise<void> => {
  for (const t of tasks.filter((x) => x.executor === 'external'))
    await service.reportTask(caseId, t.taskId, 'nothing_found', {});
};

/** Runs a whole case to certification; returns what a test needs to look at it. */
export const eraseCamille = async (h: Harness) => {
  const seeded = await h.seed();
  h.publisher.publish();
  const requested = await h.service.request({
    subject: camille,
    legalGround: 'Art. 17(1)(a)',
    actor: dpo,
    requestRef: 'ticket-42',
  });
  if (!requested.ok) throw new Error(JSON.stringify(requested.error));
  const { caseId, canary, tasks } = requested.value;
  h.publisher.publish();
  await h.sync();
  const builtins = await h.service.runBuiltinTasks(caseId);
  if (!builtins.ok) throw new Error(JSON.stringify(builtins.error));
  for (const t of tasks.filter((x) => x.executor === 'external')) {
    const r = await h.service.reportTask(
      caseId,
      t.taskId,
      'erased',
      { rowsDeleted: 2 },
      { job: 'erase_subject' },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.error));
  }
  await h.sync();
  const certified = await h.service.certify(caseId, { canary, actor: dpo });
  if (!certified.ok) throw new Error(JSON.stringify(certified.error));
  await h.sync();
  return { ...seeded, caseId, canary, tasks, builtins: builtins.value, ...certified.value };
};

/**
 * Opens Camille's case and runs its built-in tasks in a process that dies right after purging her
 * access rows, before recording it; then runs them again and certifies in a restarted one. Returns
 * the re-run's read-models outcome and the certificate's.
 */
export const rerunAfterCrashInAccessPurge = async (h: Harness) => {
  const { caseId, canary, tasks } = await requestCamilleErasure(h);
  const purge = h.accessStore.purgeSubject.bind(h.accessStore);
  h.accessStore.purgeSubject = async (subject, id) => {
    await purge(subject, id);
    throw new Error('killed');
  };
  await expect(h.service.runBuiltinTasks(caseId)).rejects.toThrow('killed');
  h.accessStore.purgeSubject = purge;

  const restarted = h.newService();
  const rerun = await restarted.runBuiltinTasks(caseId);
  if (!rerun.ok) throw new Error(JSON.stringify(rerun.error));
  await reportNothingFound(restarted, caseId, tasks);
  const certified = await restarted.certify(caseId, { canary });
  if (!certified.ok) throw new Error(JSON.stringify(certified.error));
  const readModels = builtinTasks.readModels;
  return {
    rerun: rerun.value.completed.find((c) => c.taskId === readModels),
    certified: certified.value.certificate.systems.find((t) => t.taskId === readModels),
  };
};
