import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  removeDir,
  startServer,
  tempDir,
  tokenFor,
  type RunningServer,
} from '../support/cli.js';
import { newAccessEvent, post } from '../support/new-events.js';

describe('gouvernail verify beside a running server', () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = tempDir();
    server = await startServer(dir, { GOUVERNAIL_CHECKPOINT_INTERVAL_MS: '100' });
  });
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
  });

  it('passes every time while events are ingested and checkpoints signed meanwhile', async () => {
    const producer = await tokenFor(dir, 'producer');
    let ingesting = true;
    let sent = 0;
    const ingest = (async () => {
      while (ingesting) {
        const batch = Array.from({ length: 200 }, () => newAccessEvent(`w-${sent++}`));
        expect((await post(server.url, producer, JSON.stringify(batch))).status).toBe(200);
      }
    })();
    const verdicts: string[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const r = await cli(['verify', '--data-dir', dir]);
        verdicts.push(r.code === 0 ? 'ok' : r.stderr.trim());
      }
    } finally {
      ingesting = false;
      await ingest;
    }
    expect(sent).toBeGreaterThan(1000);
    expect(verdicts).toEqual(Array(6).fill('ok'));
  }, 60_000);
});
