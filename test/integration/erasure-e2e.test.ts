import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  removeDir,
  startServer,
  tempDir,
  tokenFor,
  type RunningServer,
} from '../support/cli.js';

/**
 * GDPR erasure end to end on real servers: gouvernail with its read models in real FerretDB and
 * Cassandra, real PySpark jobs with the real OpenLineage listener sending lineage over HTTP.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const PYTHON = join(ROOT, '.ci/venv/bin/python');
const STORY = join(ROOT, 'test/support/spark/erasure_story.py');
const SUBJECT = 'subj_e2eCamilleMartin000001';
const EMAIL = 'camille.martin@example.org';
const suffix = randomBytes(4).toString('hex');

const spark = (args: string[], token: string): Promise<{ code: number; out: string }> =>
  new Promise((done, fail) => {
    const child = spawn(PYTHON, [STORY, ...args], {
      cwd: join(ROOT, 'spark-jobs'),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        JAVA_HOME: process.env.SVC_JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64',
        SPARK_LOCAL_IP: '127.0.0.1',
        PYSPARK_PYTHON: PYTHON,
        PYSPARK_DRIVER_PYTHON: PYTHON,
        PYTHONPATH: join(ROOT, 'spark-jobs'),
        GOUVERNAIL_TOKEN: token,
      },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      done({ code: code ?? -1, out });
    });
  });

/** Every file under the directories, searched for each needle's bytes. */
const byteScan = (dirs: readonly string[], needles: readonly string[]): string[] => {
  const hits: string[] = [];
  const walk = (p: string): void => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const f of readdirSync(p)) walk(join(p, f));
      return;
    }
    if (!st.isFile()) return;
    const bytes = readFileSync(p);
    for (const n of needles) if (bytes.includes(Buffer.from(n))) hits.push(`${p}: ${n}`);
  };
  dirs.forEach(walk);
  return hits;
};

describe('GDPR erasure end to end with real PySpark, FerretDB and Cassandra', () => {
  let dir: string;
  let lake: string;
  let server: RunningServer;
  const tokens: Record<string, string> = {};
  let caseId = '';
  let canary = '';

  const gql = async (role: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[role]!}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL answers are checked field by field
      data?: Record<string, any>;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
  };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 300; i++) {
      const m = await (await fetch(`${server.url}/metrics`)).text();
      const lags = [...m.matchAll(/^gouvernail_projection_lag_events\{[^}]*\} (\d+)/gm)].map((x) =>
        Number(x[1]),
      );
      if (lags.length > 0 && lags.every((l) => l === 0)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('projections did not catch up');
  };

  beforeAll(async () => {
    if (!existsSync(PYTHON))
      throw new Error(`no PySpark venv at ${PYTHON}: run bash scripts/services/install.sh spark`);
    dir = tempDir('gv-erasure-');
    lake = tempDir('gv-lake-');
    server = await startServer(dir, {
      GOUVERNAIL_READ_STORES: 'mongo+cassandra',
      GOUVERNAIL_MONGO_URL:
        process.env.GOUVERNAIL_TEST_MONGO_URL ?? 'mongodb://127.0.0.1:27017/?directConnection=true',
      GOUVERNAIL_MONGO_DATABASE: `gv_erasure_${suffix}`,
      GOUVERNAIL_CASSANDRA_CONTACT_POINTS:
        process.env.GOUVERNAIL_TEST_CASSANDRA_CONTACT ?? '127.0.0.1:9042',
      GOUVERNAIL_CASSANDRA_KEYSPACE: `gv_erasure_${suffix}`,
    });
    for (const role of ['producer', 'dpo', 'auditor', 'data_engineer'])
      tokens[role] = await tokenFor(dir, role);
  }, 120_000);
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
    removeDir(lake);
  });

  it('records the subject in access events, a PII-tagged dataset and its downstream copy made by a real PySpark job', async () => {
    const seed = await spark(
      ['seed', '--lake', lake, '--subject', EMAIL, '--gouvernail-url', server.url],
      tokens.producer!,
    );
    expect(seed.code, seed.out).toBe(0);
    const events = [
      {
        id: `e2e-access-${suffix}`,
        type: 'AccessRecorded',
        schemaVersion: 1,
        occurredAt: '2026-11-02T08:00:00.000Z',
        producer: 'kafka-authorizer',
        actor: { principal: 'User:support-app', role: 'analyst' },
        subjects: [SUBJECT],
        personal: { [SUBJECT]: { email: EMAIL } },
        data: {
          principal: 'User:support-app',
          resource: 'kafka://prod/customers',
          action: 'read',
          decision: 'allowed',
          mechanism: 'kafka-acl',
        },
      },
      {
        id: `e2e-classify-${suffix}`,
        type: 'DatasetClassified',
        schemaVersion: 1,
        occurredAt: '2026-11-02T08:01:00.000Z',
        producer: 'catalog',
        actor: { principal: 'dpo@example.org', role: 'dpo' },
        data: {
          dataset: { namespace: 'file', name: join(lake, 'raw') },
          field: 'email',
          tags: ['pii.email'],
        },
      },
    ];
    const res = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.producer!}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    expect(res.status).toBe(200);
    await settle();
    const lineage = await gql(
      'data_engineer',
      `{ lineage(node: { kind: DATASET, namespace: "file", name: "${join(lake, 'raw')}" }, depth: 2) { nodes { kind name } } }`,
    );
    const names = (lineage.data?.lineage.nodes as { kind: string; name: string }[])
      .filter((n) => n.kind === 'DATASET')
      .map((n) => n.name);
    expect(names).toContain(join(lake, 'clean'));
  }, 300_000);

  it('refuses erasure operations to every role but the DPO', async () => {
    for (const role of ['auditor', 'data_engineer', 'producer']) {
      const r = await gql(
        role,
        `mutation { requestErasure(subject: "${SUBJECT}", legalGround: "Art. 17(1)(b)") { caseId } }`,
      );
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    }
  });

  it('opens a case with a task for the tagged dataset and every downstream dataset', async () => {
    const r = await gql(
      'dpo',
      `mutation { requestErasure(subject: "${SUBJECT}", legalGround: "GDPR Art. 17(1)(b)", requestRef: "ticket-881") { caseId canary dueAt taskCount } }`,
    );
    expect(r.errors).toBeUndefined();
    caseId = r.data?.requestErasure.caseId as string;
    canary = r.data?.requestErasure.canary as string;
    expect(r.data?.requestErasure.dueAt).toBeTruthy();
    await settle();
    const c = await gql(
      'dpo',
      `{ erasureCase(caseId: "${caseId}") { status tasks { taskId system target executor } } }`,
    );
    const tasks = c.data?.erasureCase.tasks as {
      taskId: string;
      system: string;
      target: string;
      executor: string;
    }[];
    const targets = tasks.map((t) => t.target);
    expect(targets.some((t) => t.endsWith('/raw'))).toBe(true);
    expect(targets.some((t) => t.endsWith('/clean'))).toBe(true);
    expect(targets).toContain('kafka://prod/customers');
    expect(tasks.filter((t) => t.executor === 'builtin')).toHaveLength(3);
  });

  it('erases with the real erase_subject job, its reports close the dataset tasks, and the certificate verifies offline', async () => {
    const c = await gql(
      'dpo',
      `{ erasureCase(caseId: "${caseId}") { tasks { taskId target executor } } }`,
    );
    const tasks = c.data?.erasureCase.tasks as {
      taskId: string;
      target: string;
      executor: string;
    }[];
    const raw = tasks.find((t) => t.target.endsWith('/raw'))!;
    const clean = tasks.find((t) => t.target.endsWith('/clean'))!;
    const erase = await spark(
      [
        'erase',
        '--lake',
        lake,
        '--subject',
        EMAIL,
        '--gouvernail-url',
        server.url,
        // `--name=value`: a random canary or id may start with '-', which argparse would take for an option
        `--canary=${canary}`,
        `--case-id=${caseId}`,
        `--task=raw=${raw.taskId}`,
        `--task=clean=${clean.taskId}`,
      ],
      tokens.producer!,
    );
    expect(erase.code, erase.out).toBe(0);
    expect(byteScan([lake], [EMAIL, canary])).toEqual([]);

    for (const t of tasks.filter((x) => x.executor === 'external' && x !== raw && x !== clean)) {
      const r = await gql(
        'dpo',
        `mutation { reportErasureTask(caseId: "${caseId}", taskId: "${t.taskId}", outcome: NOTHING_FOUND, counts: { rowsDeleted: 0 }) }`,
      );
      expect(r.errors).toBeUndefined();
    }
    expect(
      (await gql('dpo', `mutation { runBuiltinErasureTasks(caseId: "${caseId}") }`)).errors,
    ).toBeUndefined();
    await settle();
    const done = await gql(
      'dpo',
      `{ erasureCase(caseId: "${caseId}") { status tasks { target outcome counts } } }`,
    );
    expect(done.data?.erasureCase.status).toBe('KEYS_DESTROYED');
    const byTarget = (suffix: string) =>
      (
        done.data?.erasureCase.tasks as {
          target: string;
          outcome: string;
          counts: Record<string, number>;
        }[]
      ).find((t) => t.target.endsWith(suffix));
    // raw: the subject's row twice (a duplicate the clean job dropped) and the planted canary row; clean: one and the canary
    expect(byTarget('/raw')).toMatchObject({
      outcome: 'ERASED',
      counts: { rowsBefore: 5, rowsDeleted: 3, rowsAfter: 2 },
    });
    expect(byTarget('/clean')).toMatchObject({
      outcome: 'ERASED',
      counts: { rowsBefore: 4, rowsDeleted: 2, rowsAfter: 2 },
    });

    const certified = await gql(
      'dpo',
      `mutation { certifyErasure(caseId: "${caseId}", canary: "${canary}") { certificateSha256 } }`,
    );
    expect(certified.errors).toBeUndefined();
    const keys = (await (await fetch(`${server.url}/v1/keys`)).json()) as { vkey: string };
    writeFileSync(join(dir, 'log.vkey'), keys.vkey);
    const doc = (await gql('dpo', `{ erasureCertificate(caseId: "${caseId}") }`)).data
      ?.erasureCertificate as Record<string, unknown>;
    writeFileSync(join(lake, 'certificate.json'), JSON.stringify(doc));
    const verified = await cli([
      'verify-certificate',
      join(lake, 'certificate.json'),
      '--key',
      join(dir, 'log.vkey'),
    ]);
    expect(verified.stdout).toMatch(/^OK: erasure certificate of case/);
    expect(JSON.stringify(doc)).not.toContain(EMAIL);

    const forged = JSON.parse(JSON.stringify(doc)) as {
      systems: { counts: Record<string, number> }[];
    };
    forged.systems[0]!.counts = { rowsDeleted: 999 };
    writeFileSync(join(lake, 'forged.json'), JSON.stringify(forged));
    const refused = await cli([
      'verify-certificate',
      join(lake, 'forged.json'),
      '--key',
      join(dir, 'log.vkey'),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/FAIL: signature/);
  }, 300_000);

  it('leaves the personal fields unreadable, no trace of the canary in any store, and a log that still verifies', async () => {
    // The history first: the refused read below is itself recorded, under the subject, as it should be.
    const history = await gql(
      'dpo',
      `{ accessHistory(subject: "${SUBJECT}") { edges { node { resource } } } }`,
    );
    expect(history.data?.accessHistory.edges).toEqual([]);
    const personal = await gql(
      'dpo',
      `{ event(id: "e2e-access-${suffix}") { personal(subject: "${SUBJECT}") { __typename } } }`,
    );
    expect(personal.data?.event.personal.__typename).toBe('SubjectErasedError');
    await server.stop();
    const stores = [dir, join(ROOT, '.ci/svc/ferretdb'), join(ROOT, '.ci/svc/cassandra/data')];
    expect(byteScan(stores, [canary, EMAIL])).toEqual([]);
    const verify = await cli(['verify', '--data-dir', dir]);
    expect(verify.stdout).toMatch(/^OK: \d+ entries and \d+ signed checkpoints verified/);
    server = await startServer(dir, {
      GOUVERNAIL_READ_STORES: 'mongo+cassandra',
      GOUVERNAIL_MONGO_DATABASE: `gv_erasure_${suffix}`,
      GOUVERNAIL_CASSANDRA_KEYSPACE: `gv_erasure_${suffix}`,
    });
  }, 120_000);
});
