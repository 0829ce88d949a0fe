import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postEvents,
  removeDir,
  startServer,
  tempDir,
  tokenFor,
  type RunningServer,
} from '../support/cli.js';
import { newAccessEvent } from '../support/new-events.js';
import { accessRecordsOf, type AccessRow } from '../support/self-audit.js';
import { slowPost } from '../support/raw-http.js';

describe('the self-audit of a running server', () => {
  let dir: string;
  let server: RunningServer;
  let admin: string;

  const gql = async (token: string, query: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const recordsOf = (principal: string): Promise<AccessRow[]> =>
    accessRecordsOf(server.url, admin, principal);
  const signed = (sub: string, role: string, exp: number): Promise<string> =>
    new SignJWT({ role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuer('gouvernail')
      .setAudience('gouvernail')
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()));

  beforeAll(async () => {
    dir = tempDir();
    server = await startServer(dir);
    admin = await tokenFor(dir, 'admin');
  });
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
  });

  it('answers and records a GraphQL request whose token expires while its body uploads', async () => {
    const token = await signed('slow-uploader', 'auditor', Math.floor(Date.now() / 1000) + 2);
    const res = await slowPost(
      server.url,
      '/graphql',
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      JSON.stringify({ query: '{ checkpoint { size } }' }),
      { sentFirst: 5, pauseMs: 3500 },
    );
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('Unexpected error');
    expect(await recordsOf('slow-uploader')).toEqual([
      expect.objectContaining({
        resource: 'gouvernail://graphql',
        decision: 'ALLOWED',
        operation: 'query (anonymous) { checkpoint }',
      }),
    ]);
  });

  it('records GraphQL requests refused before their operation is read, by their status alone', async () => {
    const token = await tokenFor(dir, 'analyst', 'sloppy-client');
    const statuses: number[] = [];
    for (const [type, body] of [
      ['application/json', '{"query": "{ a'],
      ['application/json', '[{"query":"{__typename}"}]'],
      ['application/json', '{"query": "{__typename}", "variables": 5}'],
      ['text/plain', '{"query": "{__typename}"}'],
    ] as const) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': type, authorization: `Bearer ${token}` },
        body,
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([400, 400, 400, 415]);
    const rows = await recordsOf('sloppy-client');
    expect(rows).toHaveLength(4);
    expect(
      rows.every(
        (r) =>
          r.resource === 'gouvernail://graphql' &&
          r.decision === 'DENIED' &&
          r.operation === '(request not read)',
      ),
    ).toBe(true);
  });

  it('records who fetched the inclusion proof (and so the whole entry) of which event', async () => {
    expect((await postEvents(server.url, dir, [newAccessEvent('proven-1')])).status).toBe(200);
    expect((await fetch(`${server.url}/v1/checkpoint`)).status).toBe(200);
    const auditor = await tokenFor(dir, 'auditor', 'proof-reader');
    const res = await fetch(`${server.url}/v1/proof/inclusion?id=proven-1`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(res.status).toBe(200);
    expect(await recordsOf('proof-reader')).toEqual([
      expect.objectContaining({
        resource: 'gouvernail://proof/inclusion',
        decision: 'ALLOWED',
        operation: 'inclusion proof of event proven-1',
      }),
    ]);
  });

  it('records inclusion-proof requests it refuses, the role refused by name and the tokenless as anonymous', async () => {
    const analyst = await tokenFor(dir, 'analyst', 'proof-curious');
    const forbidden = await fetch(`${server.url}/v1/proof/inclusion?id=proven-1`, {
      headers: { authorization: `Bearer ${analyst}` },
    });
    const tokenless = await fetch(`${server.url}/v1/proof/inclusion?id=proven-1`);
    expect([forbidden.status, tokenless.status]).toEqual([403, 401]);
    expect(await recordsOf('proof-curious')).toEqual([
      expect.objectContaining({
        resource: 'gouvernail://proof/inclusion',
        decision: 'DENIED',
        operation: null,
      }),
    ]);
    const anonymous = (await recordsOf('anonymous')).filter(
      (r) => r.resource === 'gouvernail://proof/inclusion',
    );
    expect(anonymous).toEqual([expect.objectContaining({ decision: 'DENIED', operation: null })]);
  });

  it('counts a client that disconnects mid-body as 499, not as a failure of the service', async () => {
    let stderr = '';
    server.process.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    for (const [path, role] of [
      ['/v1/events', 'producer'],
      ['/graphql', 'auditor'],
    ] as const) {
      await slowPost(
        server.url,
        path,
        {
          authorization: `Bearer ${await tokenFor(dir, role)}`,
          'content-type': 'application/json',
        },
        JSON.stringify({ query: '{ checkpoint { size } }' }),
        { sentFirst: 5, pauseMs: 200, abort: true },
      );
    }
    await new Promise((r) => setTimeout(r, 300));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const requests = metrics
      .split('\n')
      .filter((l) => l.startsWith('gouvernail_http_requests_total{'));
    expect(requests).toContain('gouvernail_http_requests_total{route="/v1/events",status="499"} 1');
    expect(requests).toContain('gouvernail_http_requests_total{route="/graphql",status="499"} 1');
    expect(requests.filter((l) => l.includes('status="500"'))).toEqual([]);
    expect(stderr).not.toContain('request failed');
  });

  it('keeps the record of every answered query when the server is killed right after answering', async () => {
    const auditor = await tokenFor(dir, 'auditor', 'auditor-before-kill');
    const answers = await Promise.all(
      [
        '{ checkpoint { size } }',
        '{ currentConfig { target } }',
        '{ configHistory(first: 1) { edges { cursor } } }',
      ].map((q) => gql(auditor, q)),
    );
    await server.kill();
    expect(answers.every((a) => a.data !== undefined && a.errors === undefined)).toBe(true);
    server = await startServer(dir);
    const rows = await recordsOf('auditor-before-kill');
    expect(rows.map((r) => r.operation).sort()).toEqual([
      'query (anonymous) { checkpoint }',
      'query (anonymous) { configHistory }',
      'query (anonymous) { currentConfig }',
    ]);
  });

  it("keeps the record of a DPO's read of personal fields when the server is killed right after answering", async () => {
    const subject = 'subj_killedafterread00001';
    expect(
      (
        await postEvents(server.url, dir, [
          newAccessEvent('personal-1', { subject, email: 'camille@example.org' }),
        ])
      ).status,
    ).toBe(200);
    const dpo = await tokenFor(dir, 'dpo', 'dpo-before-kill');
    const r = await gql(
      dpo,
      `{ event(id: "personal-1") { personal(subject: "${subject}") { ... on PersonalFields { fields } } } }`,
    );
    await server.kill();
    expect(r).toEqual({
      data: { event: { personal: { fields: { email: 'camille@example.org' } } } },
    });
    server = await startServer(dir);
    expect(await recordsOf('dpo-before-kill')).toContainEqual(
      expect.objectContaining({
        resource: 'gouvernail://events/personal-1/personal',
        decision: 'ALLOWED',
      }),
    );
  });
});
