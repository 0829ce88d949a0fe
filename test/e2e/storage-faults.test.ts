import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postEvents, removeDir, startServer, tempDir } from '../support/cli.js';
import { newAccessEvent } from '../support/new-events.js';

/** Polls /readyz until `accept` holds for its status and body. */
const readyzUntil = async (
  url: string,
  accept: (status: number, body: string) => boolean,
  timeoutMs = 30_000,
): Promise<{ status: number; body: string }> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/readyz`);
    const answer = { status: res.status, body: await res.text() };
    if (accept(answer.status, answer.body) || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 200));
  }
};

describe('storage faults on the running service', () => {
  it('is withdrawn while a projection cannot write its read model, and given back once it can', async () => {
    const dir = tempDir();
    const server = await startServer(dir);
    // Another process holding the read models' write lock: every projection write there fails.
    const blocker = new Database(join(dir, 'read-models.sqlite'));
    const lineageBlocker = new Database(join(dir, 'lineage.sqlite'));
    try {
      expect((await readyzUntil(server.url, (s) => s === 200)).status).toBe(200);
      blocker.exec('BEGIN IMMEDIATE');
      expect((await postEvents(server.url, dir, [newAccessEvent('while-locked')])).status).toBe(
        200,
      );
      const withdrawn = await readyzUntil(server.url, (s) => s === 503);
      expect(withdrawn.status).toBe(503);
      expect(JSON.parse(withdrawn.body)).toEqual({
        error: {
          code: 'not-ready',
          message: expect.stringMatching(
            /^projections retrying after an error \(see the service log\): .*accessHistory since \d{4}-/,
          ) as string,
        },
      });
      blocker.exec('ROLLBACK');
      expect((await readyzUntil(server.url, (s) => s === 200)).status).toBe(200);

      // The lineage projection runs on its own thread, with its own file.
      lineageBlocker.exec('BEGIN IMMEDIATE');
      const classified = {
        id: 'classified-while-locked',
        type: 'DatasetClassified',
        schemaVersion: 1,
        occurredAt: '2026-11-20T10:00:00.000Z',
        producer: 'catalog',
        actor: { principal: 'User:steward', role: 'data_engineer' },
        data: { dataset: { namespace: 'kafka://prod', name: 'orders' }, tags: ['pii:email'] },
      };
      expect((await postEvents(server.url, dir, [classified])).status).toBe(200);
      const lineageWithdrawn = await readyzUntil(server.url, (s) => s === 503);
      expect(lineageWithdrawn.body).toMatch(/lineageGraph since \d{4}-/);
      lineageBlocker.exec('ROLLBACK');
      expect((await readyzUntil(server.url, (s) => s === 200)).status).toBe(200);
    } finally {
      blocker.close();
      lineageBlocker.close();
      await server.stop();
      removeDir(dir);
    }
  }, 90_000);

  it('answers 503 storage-unavailable with Retry-After while the log cannot be written; the retry is stored once', async () => {
    const dir = tempDir();
    const server = await startServer(dir);
    const blocker = new Database(join(dir, 'log.sqlite'));
    try {
      blocker.exec('BEGIN IMMEDIATE');
      const refused = await postEvents(server.url, dir, [newAccessEvent('during-lock')]);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toEqual({
        error: {
          code: 'storage-unavailable',
          message:
            'the server storage is busy (SQLITE_BUSY); nothing of this request was stored, send it again later',
        },
      });
      blocker.exec('ROLLBACK');
      const retried = await postEvents(server.url, dir, [newAccessEvent('during-lock')]);
      expect(await retried.json()).toEqual({
        results: [{ id: 'during-lock', position: 0, status: 'appended' }],
      });
    } finally {
      blocker.close();
      await server.stop();
      removeDir(dir);
    }
  }, 60_000);
});
