import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  removeDir,
  startServer,
  tempDir,
  tokenFor,
  waitForProjections,
  type RunningServer,
} from '../support/cli.js';
import { newAccessEvent } from '../support/new-events.js';

/**
 * Certifying an erasure scans every file of the data directory, the live log among them. Done in
 * the service's own process, opening and closing those files released its SQLite locks, and the
 * next CLI command to close the log deleted the service's write-ahead log: entries acknowledged
 * afterwards were lost at the next crash.
 */
const SUBJECT = 'subj_CertifyBesideCli0001';

describe('an erasure certified while CLI commands use the same data directory', () => {
  let dir: string;
  let server: RunningServer;
  let producer: string;
  let dpo: string;

  const post = async (id: string): Promise<number> => {
    const res = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${producer}` },
      body: JSON.stringify([
        newAccessEvent(id, { subject: SUBJECT, email: 'certify.beside@example.org' }),
      ]),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { results: { position: number }[] }).results[0]!.position;
  };
  const gql = async (query: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dpo}` },
      body: JSON.stringify({ query }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
    const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data!;
  };

  beforeAll(async () => {
    dir = tempDir();
    server = await startServer(dir);
    producer = await tokenFor(dir, 'producer');
    dpo = await tokenFor(dir, 'dpo');
  }, 60_000);
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
  });

  it('keeps every entry acknowledged afterwards through a crash', async () => {
    await post('before-erasure');
    await waitForProjections(server.url);
    const { requestErasure } = await gql(
      `mutation { requestErasure(subject: "${SUBJECT}", legalGround: "Art. 17(1)(a)") { caseId canary } }`,
    );
    const { caseId, canary } = requestErasure as { caseId: string; canary: string };
    await gql(`mutation { runBuiltinErasureTasks(caseId: "${caseId}") }`);
    const { erasureCase } = await gql(
      `{ erasureCase(caseId: "${caseId}") { tasks { taskId executor } } }`,
    );
    for (const t of (erasureCase as { tasks: { taskId: string; executor: string }[] }).tasks)
      if (t.executor === 'external')
        await gql(
          `mutation { reportErasureTask(caseId: "${caseId}", taskId: "${t.taskId}", outcome: NOTHING_FOUND, counts: {}) }`,
        );
    await gql(
      `mutation { certifyErasure(caseId: "${caseId}", canary: "${canary}") { certificateSha256 } }`,
    );

    // A CLI command that opens the log for writing, then closes it, beside the running service.
    expect((await cli(['proof', 'no-such-event', '--data-dir', dir])).code).toBe(1);
    const position = await post('after-erasure');
    await server.kill();
    server = await startServer(dir);
    const verify = await cli(['verify', '--data-dir', dir]);
    expect(verify.stdout).toContain(`OK: ${position + 1} entries`);
    const proof = await fetch(`${server.url}/v1/proof/inclusion?id=after-erasure`, {
      headers: { authorization: `Bearer ${await tokenFor(dir, 'auditor')}` },
    });
    expect(proof.status).toBe(200);
  }, 120_000);
});
