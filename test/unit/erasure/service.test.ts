import Database from 'better-sqlite3';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyLogFile } from '../../../src/audit/verify-log.js';
import { verifierFromVkey } from '../../../src/checkpoint/keys.js';
import { SealError } from '../../../src/crypto/seal.js';
import {
  canaryPatterns,
  ciphertextPatterns,
  scanForTraces,
} from '../../../src/erasure/canary-scan.js';
import { certificateSha256 } from '../../../src/erasure/certificate.js';
import { createSqliteScanTargets } from '../../../src/erasure/scan-targets.js';
import { verifyCertificate } from '../../../src/erasure/verify-certificate.js';
import {
  camille,
  createHarness,
  dpo,
  emailClassified,
  eraseCamille,
  reportNothingFound,
  requestCamilleErasure,
  rerunAfterCrashInAccessPurge,
  type Harness,
} from './harness.js';

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(async () => {
  await h.close();
});

describe('erasure service, end to end over the embedded stores', () => {
  it('requests, locates, runs the built-in tasks, takes external reports and issues a certificate that verifies', async () => {
    const done = await eraseCamille(h);

    expect(done.tasks.map((t) => [t.target, t.executor])).toEqual([
      ['kafka://prod/orders', 'external'],
      ['mongodb://crm/people', 'external'],
      ['s3://lake/orders_clean', 'external'],
      ['streamlit://bi/sales', 'external'],
      ['gouvernail:read-models', 'builtin'],
      ['gouvernail:sealed-ciphertext', 'builtin'],
      ['gouvernail:subject-keys', 'builtin'],
    ]);
    expect(done.builtins.completed.map((c) => [c.taskId, c.outcome, c.counts])).toEqual([
      ['gouvernail:read-models', 'erased', { accessRowsDeleted: 2 }],
      ['gouvernail:sealed-ciphertext', 'erased', { sealedBlobsDeleted: 3 }],
      ['gouvernail:subject-keys', 'erased', { keysDestroyed: 1 }],
    ]);

    expect(verifyCertificate(done.certificate, h.key.vkey)).toEqual({ ok: true, problems: [] });
    expect(verifyCertificate(done.certificate, h.key.publicKeyPem).ok).toBe(true);
    expect(done.certificate).toMatchObject({
      subject: camille,
      canaryScan: { result: 'no-trace', hits: [], ciphertextBlobs: 3 },
    });
    expect(JSON.stringify(done.certificate)).not.toContain('camille.martin');
    expect(done.certificate.consistency.fromSize).toBeLessThan(done.certificate.consistency.toSize);
    expect(await h.service.certificate(done.caseId)).toEqual(done.certificate);
    expect(certificateSha256(done.certificate)).toBe(done.certificateSha256);

    const view = await h.erasureStore.case(done.caseId);
    expect(view).toMatchObject({
      status: 'certified',
      certificateSha256: done.certificateSha256,
      overdue: false,
    });
    expect(view?.events.map((e) => e.position)).toEqual(
      done.certificate.events.map((e) => e.leafIndex).concat(view!.events.at(-1)!.position),
    );
  });

  it("leaves no readable trace: the subject's fields fail with key-destroyed, the files hold neither canary nor e-mail, the log still verifies", async () => {
    const done = await eraseCamille(h);
    await expect(h.personal.read(done.camilleEvent, camille)).rejects.toSatisfy(
      (e: unknown) => e instanceof SealError && e.reason === 'key-destroyed',
    );
    expect(await h.personal.read(done.otherEvent, 'subj_SomeoneElse00000001')).toEqual({
      email: 'someone.else@example.org',
    });
    const scan = await scanForTraces(
      [h.dir],
      [
        ...canaryPatterns(done.canary),
        { name: 'email', bytes: new TextEncoder().encode('camille.martin@example.org') },
      ],
    );
    expect(scan.hits).toEqual([]);
    expect(scan.filesScanned).toBeGreaterThanOrEqual(3);
    expect((await h.accessStore.accessHistory({ subject: camille, first: 10 })).rows).toEqual([]);
    h.publisher.publish();
    expect(verifyLogFile(join(h.dir, 'log.sqlite'), verifierFromVkey(h.key.vkey)).ok).toBe(true);
  });

  it('refuses to certify while tasks are open, with a wrong canary, or when a trace is left', async () => {
    const { caseId, canary, tasks } = await requestCamilleErasure(h);
    expect(await h.service.certify(caseId, { canary })).toMatchObject({
      ok: false,
      error: { type: 'TasksStillOpen' },
    });
    await h.service.runBuiltinTasks(caseId);
    await reportNothingFound(h.service, caseId, tasks);
    expect(await h.service.certify(caseId, { canary: 'not-the-canary' })).toEqual({
      ok: false,
      error: { type: 'CanaryMismatch' },
    });
    writeFileSync(join(h.dir, 'export.csv'), `id,token\n1,${canary}\n`);
    expect(await h.service.certify(caseId, { canary })).toMatchObject({
      ok: false,
      error: {
        type: 'TracesFound',
        hits: [{ file: join(h.dir, 'export.csv'), offset: 11, pattern: 'canary:utf8' }],
      },
    });
  });

  it('still scans for the deleted ciphertext when the service restarted before certification', async () => {
    const { caseId, canary, tasks } = await requestCamilleErasure(h);
    const [leftover] = h.log.sealedBlobsOf(camille);
    await h.service.runBuiltinTasks(caseId);
    await reportNothingFound(h.service, caseId, tasks);

    writeFileSync(join(h.dir, 'backup.bin'), Buffer.concat([Buffer.alloc(100), leftover!]));
    const restarted = h.newService();
    expect(await restarted.certify(caseId, { canary })).toMatchObject({
      ok: false,
      error: {
        type: 'TracesFound',
        hits: [
          { file: join(h.dir, 'backup.bin'), offset: 100, pattern: 'ciphertext[0]:head' },
          {
            file: join(h.dir, 'backup.bin'),
            offset: 100 + leftover!.length - 32,
            pattern: 'ciphertext[0]:tail',
          },
        ],
      },
    });

    rmSync(join(h.dir, 'backup.bin'));
    const certified = await h.newService().certify(caseId, { canary });
    if (!certified.ok) throw new Error(JSON.stringify(certified.error));
    expect(certified.value.certificate.canaryScan).toMatchObject({
      result: 'no-trace',
      ciphertextBlobs: 3,
    });
  });

  it('keeps the ciphertext as a scan target even when the process dies right after deleting it', async () => {
    const { caseId, canary, tasks } = await requestCamilleErasure(h);
    const blobs = h.log.sealedBlobsOf(camille);
    const [leftover] = blobs;
    const remove = h.log.deleteSealedBlobs.bind(h.log);
    h.log.deleteSealedBlobs = (subject) => {
      remove(subject);
      throw new Error('killed');
    };
    await expect(h.service.runBuiltinTasks(caseId)).rejects.toThrow('killed');
    h.log.deleteSealedBlobs = remove;

    const restarted = h.newService();
    const rerun = await restarted.runBuiltinTasks(caseId);
    if (!rerun.ok) throw new Error(JSON.stringify(rerun.error));
    // The certificate counts what the case deleted, not only what the re-run found left.
    expect(blobs.length).toBeGreaterThan(0);
    expect(
      rerun.value.completed.find((c) => c.taskId === 'gouvernail:sealed-ciphertext'),
    ).toMatchObject({ outcome: 'erased', counts: { sealedBlobsDeleted: blobs.length } });
    await reportNothingFound(restarted, caseId, tasks);
    writeFileSync(join(h.dir, 'backup.bin'), leftover!);
    expect(await restarted.certify(caseId, { canary })).toMatchObject({
      ok: false,
      error: { type: 'TracesFound', hits: [{ file: join(h.dir, 'backup.bin'), offset: 0 }, {}] },
    });
  });

  it('counts the access rows the case deleted even when the process died before recording them', async () => {
    const { rerun, certified } = await rerunAfterCrashInAccessPurge(h);
    const erased = { outcome: 'erased', counts: { accessRowsDeleted: 2 } };
    expect(rerun).toMatchObject(erased);
    expect(certified).toMatchObject(erased);
  });

  it('names the destroyed keys even when the process died between destroying and recording them', async () => {
    const { caseId, canary, tasks } = await requestCamilleErasure(h);
    const destroy = h.vault.destroySubjectKeys.bind(h.vault);
    h.vault.destroySubjectKeys = async (subject, id) => {
      await destroy(subject, id);
      throw new Error('killed');
    };
    await expect(h.service.runBuiltinTasks(caseId)).rejects.toThrow('killed');
    h.vault.destroySubjectKeys = destroy;

    const restarted = h.newService();
    const rerun = await restarted.runBuiltinTasks(caseId);
    if (!rerun.ok) throw new Error(JSON.stringify(rerun.error));
    expect(rerun.value.completed.find((c) => c.taskId === 'gouvernail:subject-keys')).toMatchObject(
      {
        outcome: 'erased',
        counts: { keysDestroyed: 1 },
      },
    );
    await reportNothingFound(restarted, caseId, tasks);
    const certified = await restarted.certify(caseId, { canary });
    if (!certified.ok) throw new Error(JSON.stringify(certified.error));
    expect(certified.value.certificate.keys).toHaveLength(1);
  });

  /** Another process (a backup, `gouvernail verify`) in a read transaction on one of the files. */
  const holdReader = (file: string, table: string): (() => void) => {
    const reader = new Database(join(h.dir, file), { readonly: true });
    reader.exec('BEGIN');
    reader.prepare(`SELECT count(*) FROM ${table}`).get();
    return () => {
      reader.exec('COMMIT');
      reader.close();
    };
  };

  it('waits for a reader holding the deleted ciphertext in the log WAL, then certifies', async () => {
    const { caseId, canary, tasks } = await requestCamilleErasure(h);
    const release = holdReader('log.sqlite', 'sealed_bundles');
    await h.service.runBuiltinTasks(caseId);
    await reportNothingFound(h.service, caseId, tasks);
    // The deleted ciphertext is still in log.sqlite-wal, which the reader keeps from truncation.
    const targets = createSqliteScanTargets(join(h.dir, 'erasure-scan.sqlite'));
    const deleted = targets.of(caseId);
    targets.close();
    const [wal] = (await scanForTraces([h.dir], ciphertextPatterns(deleted))).hits;
    expect(wal?.file).toBe(join(h.dir, 'log.sqlite-wal'));
    expect(await h.service.certify(caseId, { canary })).toMatchObject({
      ok: false,
      error: { type: 'WalHeldByReader', stores: ['log'] },
    });

    release();
    const certified = await h.service.certify(caseId, { canary });
    if (!certified.ok) throw new Error(JSON.stringify(certified.error));
    expect(certified.value.certificate.canaryScan).toMatchObject({ result: 'no-trace', hits: [] });
  });

  it('records the destroyed keys even while a reader holds the vault WAL, and certifies once it is gone', async () => {
    const { caseId, canary, tasks } = await requestCamilleErasure(h);
    const release = holdReader('keys.sqlite', 'data_keys');
    const run = await h.service.runBuiltinTasks(caseId);
    if (!run.ok) throw new Error(JSON.stringify(run.error));
    expect(run.value.completed.find((c) => c.taskId === 'gouvernail:subject-keys')).toMatchObject({
      outcome: 'erased',
      counts: { keysDestroyed: 1 },
    });
    await reportNothingFound(h.service, caseId, tasks);
    expect(await h.service.certify(caseId, { canary })).toMatchObject({
      ok: false,
      error: { type: 'WalHeldByReader', stores: ['key vault'] },
    });

    release();
    const certified = await h.service.certify(caseId, { canary });
    if (!certified.ok) throw new Error(JSON.stringify(certified.error));
    expect(certified.value.certificate.keys).toHaveLength(1);
  });

  it('locates a PII dataset whose long name would be cut inside a character, and always returns the canary', async () => {
    await h.ingest([
      emailClassified({ namespace: 'kafka://pro', name: '😀'.repeat(300) }, 'classify-emoji'),
    ]);
    const { canary, tasks } = await requestCamilleErasure(h);
    expect(canary).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const long = tasks.find((t) => t.target.startsWith('kafka://pro'));
    expect(long?.target.length).toBeLessThanOrEqual(512);
    expect(long?.target.endsWith('😀…')).toBe(true);
  });

  it('drops on start the captured ciphertext a stop right after certification left behind', async () => {
    const { caseId } = await eraseCamille(h);
    const open = await requestCamilleErasure(h);
    // What a process stopped between ErasureCertified and dropping the targets leaves on disk.
    const file = createSqliteScanTargets(join(h.dir, 'erasure-scan.sqlite'));
    file.add(caseId, [Buffer.from('left behind')]);
    file.add(open.caseId, [Buffer.from('still needed')]);
    file.close();

    const restarted = h.newService();
    expect(await restarted.sweepScanTargets()).toEqual([caseId]);
    const after = createSqliteScanTargets(join(h.dir, 'erasure-scan.sqlite'));
    expect(after.cases()).toEqual([open.caseId]);
    expect(after.of(open.caseId).map((b) => Buffer.from(b).toString())).toEqual(['still needed']);
    after.close();
  });

  it('does not locate on read models behind the log: no tasks at first, located before the built-in tasks run', async () => {
    await h.seed();
    const behind = h.newService({ readModelsAt: () => Promise.resolve(false) });
    const r = await behind.request({ subject: camille, legalGround: 'Art. 17(1)(a)', actor: dpo });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.tasks).toEqual([]);
    const { caseId } = r.value;
    expect(await behind.locate(caseId)).toMatchObject({
      ok: false,
      error: { type: 'ReadModelsBehind' },
    });
    expect(await behind.runBuiltinTasks(caseId)).toMatchObject({
      ok: false,
      error: { type: 'ReadModelsBehind' },
    });
    expect((await behind.state(caseId))?.tasks).toEqual([]);

    const caughtUp = h.newService();
    const run = await caughtUp.runBuiltinTasks(caseId);
    if (!run.ok) throw new Error(JSON.stringify(run.error));
    expect(run.value.completed).toHaveLength(3);
    const tasks = (await caughtUp.state(caseId))!.tasks;
    expect(tasks.filter((t) => t.executor === 'external').map((t) => t.target)).toEqual(
      expect.arrayContaining(['kafka://prod/orders', 'mongodb://crm/people']),
    );
  });

  it('accepts a completion arriving as a plain event, and treats a repeat as a duplicate', async () => {
    await h.seed();
    const r = await h.service.request({
      subject: camille,
      legalGround: 'Art. 17(1)(a)',
      actor: dpo,
    });
    if (!r.ok) throw new Error('request failed');
    const task = r.value.tasks.find((t) => t.system === 'spark')!;
    const data = {
      caseId: r.value.caseId,
      taskId: task.taskId,
      outcome: 'erased' as const,
      counts: { rowsDeleted: 12 },
    };
    expect(await h.service.checkTaskCompletion(data)).toEqual({
      ok: true,
      value: { duplicate: false },
    });
    await h.ingest([
      {
        id: 'spark-report-1',
        type: 'ErasureTaskCompleted',
        schemaVersion: 1,
        occurredAt: '2026-01-05T00:00:00.000Z',
        producer: 'spark-jobs',
        actor: { principal: 'erase_subject', role: 'producer' },
        data,
      },
    ]);
    expect(await h.service.checkTaskCompletion(data)).toEqual({
      ok: true,
      value: { duplicate: true },
    });
    expect(await h.service.checkTaskCompletion({ ...data, taskId: 'nope' })).toMatchObject({
      ok: false,
      error: { type: 'TaskUnknown' },
    });
    expect(
      await h.service.reportTask(r.value.caseId, task.taskId, 'erased', { rowsDeleted: 12 }),
    ).toEqual({ ok: true, value: { recorded: false } });
    expect(
      await h.service.reportTask(r.value.caseId, 'gouvernail:subject-keys', 'erased', {}),
    ).toMatchObject({ ok: false, error: { type: 'BuiltinTask' } });
    expect(
      (await h.service.state(r.value.caseId))?.tasks.find((t) => t.taskId === task.taskId),
    ).toMatchObject({ outcome: 'erased', counts: { rowsDeleted: 12 } });
  });

  it('extends the deadline and records exemptions through the log', async () => {
    await h.seed();
    const r = await h.service.request({
      subject: camille,
      legalGround: 'Art. 17(1)(a)',
      actor: dpo,
      receivedAt: new Date(Date.now() - 86_400_000).toISOString(),
    });
    if (!r.ok) throw new Error('request failed');
    const { caseId, tasks } = r.value;
    const extended = await h.service.extend(caseId, {
      by: 2,
      reason: 'lake backups must be restored',
      actor: dpo,
    });
    expect(extended.ok && extended.value.dueAt > r.value.dueAt).toBe(true);
    expect(await h.service.extend(caseId, { by: 1, reason: 'more', actor: dpo })).toMatchObject({
      ok: false,
      error: { type: 'ExtensionTooLong' },
    });
    const kafka = tasks.find((t) => t.system === 'kafka')!;
    expect(
      await h.service.exempt(caseId, {
        category: 'invoices',
        ground: 'legal-obligation',
        taskId: kafka.taskId,
        actor: dpo,
      }),
    ).toEqual({ ok: true, value: null });
    const state = await h.service.state(caseId);
    expect(state?.extensions).toHaveLength(1);
    expect(state?.tasks.find((t) => t.taskId === kafka.taskId)?.outcome).toBe('exempted');
  });
});
