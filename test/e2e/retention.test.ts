import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postEvents,
  removeDir,
  startServer,
  tempDir,
  waitForProjections,
  type RunningServer,
} from '../support/cli.js';
import { newAccessEvent } from '../support/new-events.js';

const RESOURCE = 'kafka://prod/retained';

describe('retention policies on the running service', () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = tempDir();
    server = await startServer(dir, { GOUVERNAIL_RETENTION_PURGE_INTERVAL_MS: '1000' });
  }, 60_000);
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
  });

  it('delete access rows past their period from the store, not only from answers', async () => {
    const recent = new Date(Date.now() - 60_000).toISOString();
    const res = await postEvents(server.url, dir, [
      {
        ...newAccessEvent('old', { resource: RESOURCE }),
        occurredAt: '2026-01-01T00:00:00.000Z',
      },
      { ...newAccessEvent('recent', { resource: RESOURCE }), occurredAt: recent },
      {
        id: 'policy',
        type: 'RetentionPolicySet',
        schemaVersion: 1,
        occurredAt: recent,
        producer: 'governance',
        actor: { principal: 'User:ops', role: 'admin' },
        data: { resource: RESOURCE, scope: 'access-history', retentionDays: 30 },
      },
    ]);
    expect(res.status).toBe(200);
    await waitForProjections(server.url);
    await new Promise((r) => setTimeout(r, 2500));
    await server.stop();
    const db = new Database(join(dir, 'read-models.sqlite'), { readonly: true });
    const stored = db
      .prepare<[string], { time_ms: number }>(
        'SELECT time_ms FROM access_events WHERE resource = ?',
      )
      .all(RESOURCE);
    db.close();
    expect(stored.map((r) => new Date(r.time_ms).toISOString())).toEqual([recent]);
    server = await startServer(dir);
  }, 60_000);
});
