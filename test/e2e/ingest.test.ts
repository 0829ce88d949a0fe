import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startServer, tempDir, tokenFor, type RunningServer } from '../support/cli.js';
import { newAccessEvent, post } from '../support/new-events.js';

describe('POST /v1/events through the real server', () => {
  let dir: string;
  let server: RunningServer;
  let producer: string;

  beforeAll(async () => {
    dir = tempDir();
    server = await startServer(dir);
    producer = await tokenFor(dir, 'producer');
  });
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
  });

  const storedIds = (): string[] => {
    const db = new Database(join(dir, 'log.sqlite'), { readonly: true });
    try {
      return db
        .prepare<[], { id: string }>('SELECT id FROM event_ids ORDER BY position')
        .all()
        .map((r) => r.id);
    } finally {
      db.close();
    }
  };

  it('appends a JSON batch and answers each event with its position', async () => {
    const res = await post(
      server.url,
      producer,
      JSON.stringify([newAccessEvent('a-1'), newAccessEvent('a-2')]),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      results: [
        { id: 'a-1', position: 0, status: 'appended' },
        { id: 'a-2', position: 1, status: 'appended' },
      ],
    });
  });

  it('absorbs duplicates: the original position comes back and nothing is stored twice', async () => {
    const body = [newAccessEvent('a-2'), newAccessEvent('a-3'), newAccessEvent('a-3')]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const res = await post(server.url, producer, body, 'application/x-ndjson');
    expect(await res.json()).toEqual({
      results: [
        { id: 'a-2', position: 1, status: 'duplicate' },
        { id: 'a-3', position: 2, status: 'appended' },
        { id: 'a-3', position: 2, status: 'duplicate' },
      ],
    });
    expect(storedIds()).toEqual(['a-1', 'a-2', 'a-3']);
    // The same id with other content is not a duplicate: the producer is told it was not stored.
    const reused = await post(
      server.url,
      producer,
      JSON.stringify([newAccessEvent('a-3', { resource: 'kafka://prod/elsewhere' })]),
    );
    expect(await reused.json()).toEqual({
      results: [{ id: 'a-3', position: 2, status: 'conflict' }],
    });
    expect(storedIds()).toEqual(['a-1', 'a-2', 'a-3']);
  });

  it('refuses a batch with bad events whole, naming the line and the reason of each', async () => {
    const bad = {
      ...newAccessEvent('b-2'),
      data: { ...newAccessEvent('b-2').data, action: 'steal' },
    };
    const body = [
      JSON.stringify(newAccessEvent('b-1')),
      JSON.stringify(bad),
      '',
      JSON.stringify({ ...newAccessEvent('b-3'), occurredAt: 'now' }),
    ].join('\n');
    const res = await post(server.url, producer, body, 'application/x-ndjson');
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as {
      error: { code: string; details: { line: number; id: string; errors: string[] }[] };
    };
    expect(error.code).toBe('invalid-events');
    expect(error.details.map((d) => [d.line, d.id])).toEqual([
      [2, 'b-2'],
      [4, 'b-3'],
    ]);
    expect(error.details[0]!.errors[0]).toMatch(/^\/data\/action: /);
    expect(error.details[1]!.errors[0]).toMatch(/^\/occurredAt: /);
    expect(storedIds()).not.toContain('b-1');
  });

  it('refuses, with 400 naming the place, what parses as JSON but cannot be stored as it is', async () => {
    const ok = JSON.stringify(newAccessEvent('h-ok'));
    const lines = [
      JSON.stringify({ ...newAccessEvent('h-date'), occurredAt: '2026-13-45T99:99:99Z' }),
      // JSON.parse reads 1e400 as Infinity, which would be stored as null.
      ok.replace('"h-ok"', '"h-num"').replace('"data":{', '"data":{"extra":1e400,'),
      ok.replace('"h-ok"', '"h-sur"').replace('"kafka-authorizer"', '"auth\\ud800"'),
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      ok,
    ];
    const res = await post(server.url, producer, lines.join('\n'), 'application/x-ndjson');
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as {
      error: { details: { line: number; errors: string[] }[] };
    };
    expect(error.details.map((d) => [d.line, d.errors[0]])).toEqual([
      [1, expect.stringMatching(/^\/occurredAt: must be an RFC 3339 date-time/)],
      [2, '/data/extra: is a number too large to represent'],
      [3, '/producer: contains a lone UTF-16 surrogate (not valid Unicode)'],
      [4, expect.stringMatching(/^(\/0)+: nests objects and arrays deeper than 64 levels$/)],
    ]);
    expect(storedIds()).not.toContain('h-ok');
  });

  it('names the line of malformed JSON', async () => {
    const res = await post(
      server.url,
      producer,
      `${JSON.stringify(newAccessEvent('c-1'))}\n{"id": oops}\n`,
      'application/x-ndjson',
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; details: { line: number; message: string }[] };
    };
    expect(body.error.code).toBe('malformed-body');
    expect(body.error.details[0]!.line).toBe(2);
    expect(storedIds()).not.toContain('c-1');
  });

  it('answers 413 to an oversized batch and stores nothing of it', async () => {
    const smallDir = tempDir();
    const small = await startServer(smallDir, { GOUVERNAIL_MAX_BATCH_BYTES: '4096' });
    try {
      const batch = JSON.stringify(
        Array.from({ length: 40 }, (_, i) => newAccessEvent(`big-${i}`)),
      );
      const res = await post(small.url, await tokenFor(smallDir, 'producer'), batch);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'payload-too-large',
      );
    } finally {
      await small.stop();
      removeDir(smallDir);
    }
  });

  it('holds both ingest routes to the event-count limit, and echoes an overlong id cut', async () => {
    const smallDir = tempDir();
    const small = await startServer(smallDir, { GOUVERNAIL_MAX_BATCH_EVENTS: '2' });
    try {
      const token = await tokenFor(smallDir, 'producer');
      const three = JSON.stringify([1, 2, 3].map((i) => newAccessEvent(`n-${i}`)));
      expect((await post(small.url, token, three)).status).toBe(413);
      const run = (i: number) => ({
        eventType: 'START',
        eventTime: '2026-11-20T10:00:00.000Z',
        run: { runId: `0190c1d2-0000-7000-8000-00000000000${i}` },
        job: { namespace: 'spark', name: `job-${i}` },
        producer: 'https://github.com/OpenLineage/OpenLineage/tree/1.24.0/integration/spark',
        schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      });
      const lineage = await fetch(`${small.url}/api/v1/lineage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify([run(1), run(2), run(3)]),
      });
      expect(lineage.status).toBe(413);
      expect(((await lineage.json()) as { error: { message: string } }).error.message).toBe(
        'batch holds 3 events, the limit is 2',
      );
      const long = await post(
        small.url,
        token,
        JSON.stringify(newAccessEvent('x'.repeat(100_000))),
      );
      const { error } = (await long.json()) as { error: { details: { id: string }[] } };
      expect(error.details[0]!.id).toBe(`${'x'.repeat(128)}…`);
    } finally {
      await small.stop();
      removeDir(smallDir);
    }
  });

  it('refuses erasure and checkpoint events from producers: gouvernail records those itself', async () => {
    const forged = {
      id: 'forged-1',
      type: 'SubjectKeyDestroyed',
      schemaVersion: 1,
      occurredAt: '2026-11-20T10:00:00.000Z',
      producer: 'mallory',
      actor: { principal: 'mallory', role: 'producer' },
      subjects: ['subj_AAAAAAAAAAAAAAAAAAAA'],
      data: { subject: 'subj_AAAAAAAAAAAAAAAAAAAA', keyIds: ['dk_x'] },
    };
    const res = await post(server.url, producer, JSON.stringify([newAccessEvent('f-1'), forged]));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as {
      error: { details: { id: string; errors: string[] }[] };
    };
    expect(error.details).toEqual([
      {
        index: 1,
        id: 'forged-1',
        errors: [
          '/type: SubjectKeyDestroyed is recorded by gouvernail itself and is not accepted from producers',
        ],
      },
    ]);
    expect(storedIds()).not.toContain('f-1');
  });

  it('refuses callers without a producer token', async () => {
    const body = JSON.stringify([newAccessEvent('d-1')]);
    expect((await fetch(`${server.url}/v1/events`, { method: 'POST', body })).status).toBe(401);
    expect((await post(server.url, 'not.a.jwt', body)).status).toBe(401);
    expect((await post(server.url, await tokenFor(dir, 'analyst'), body)).status).toBe(403);
    expect(storedIds()).not.toContain('d-1');
  });
});
