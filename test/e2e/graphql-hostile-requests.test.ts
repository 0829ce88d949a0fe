import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startServer, tempDir, tokenFor, type RunningServer } from '../support/cli.js';
import { accessRecordsOf } from '../support/self-audit.js';

const residentMiB = (pid: number): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

describe('GraphQL requests meant to hurt the server', () => {
  let dir: string;
  let server: RunningServer;
  let admin: string;

  beforeAll(async () => {
    dir = tempDir();
    server = await startServer(dir);
    admin = await tokenFor(dir, 'admin');
  });
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('refuses distinct large documents before parsing them, keeping none, and records each', async () => {
    const before = residentMiB(server.process.pid!);
    for (let i = 0; i < 12; i++) {
      const res = await post(
        JSON.stringify({
          query: `query R${String(i).padStart(2, '0')} { ${'a '.repeat(450_000)}}`,
        }),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        errors: [
          {
            message: 'the document is 900013 characters long; the limit is 100000',
            extensions: { code: 'QUERY_TOO_LARGE', limit: 100_000 },
          },
        ],
      });
    }
    expect(residentMiB(server.process.pid!) - before).toBeLessThan(300);
    const anonymous = await accessRecordsOf(server.url, admin, 'anonymous');
    expect(anonymous.filter((r) => r.operation === '(document not parsed)')).toHaveLength(12);
    expect(anonymous.every((r) => r.decision === 'DENIED')).toBe(true);
  });

  it('answers variables or extensions that are no JSON with 400 naming them, and records each', async () => {
    const analyst = await tokenFor(dir, 'analyst', 'bad-json-client');
    const auth = { authorization: `Bearer ${analyst}` };
    const get = (params: string) =>
      fetch(`${server.url}/graphql?query=%7B__typename%7D&${params}`, {
        headers: { ...auth, accept: 'application/json' },
      });
    const answers = [
      await get('variables=%7Bbad'),
      await get('extensions=nope'),
      await post('query=%7B__typename%7D&variables=%7Bbad', {
        ...auth,
        'content-type': 'application/x-www-form-urlencoded',
      }),
    ];
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400]);
    expect(bodies.map((b: { errors: { message: string }[] }) => b.errors[0]?.message)).toEqual([
      'variables is not valid JSON',
      'extensions is not valid JSON',
      'variables is not valid JSON',
    ]);
    const rows = await accessRecordsOf(server.url, admin, 'bad-json-client');
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.decision === 'DENIED')).toBe(true);
  });
  // Last: a client still uploading when answered 413 may find its next kept-alive connection reset.
  it('answers a body over 1 MiB with 413 naming the limit, whether its length is announced or not', async () => {
    const body = JSON.stringify({ query: `query Big { ${'a '.repeat(600_000)}}` });
    const announced = await post(body);
    const bytes = new TextEncoder().encode(body);
    const streamed = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start: (c) => {
          for (let i = 0; i < bytes.length; i += 65_536) c.enqueue(bytes.subarray(i, i + 65_536));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    for (const res of [announced, streamed]) {
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        error: {
          code: 'payload-too-large',
          message:
            'a GraphQL request body may hold at most 1048576 bytes (GOUVERNAIL_MAX_GRAPHQL_BYTES)',
        },
      });
    }
  });
});
