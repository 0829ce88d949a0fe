import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  postEvents,
  removeDir,
  startServer,
  tempDir,
  waitForProjections,
} from '../support/cli.js';
import { newAccessEvent } from '../support/new-events.js';

const events = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => newAccessEvent(`${prefix}-${i}`));

/**
 * A log file older than the rest of the data directory (a lost -wal, a restored copy): the service
 * must not start on it, or events acknowledged afterwards would reuse positions the read models and
 * the signed checkpoints already cover.
 */
describe('serve and verify on a rolled-back log file', () => {
  let dir: string;
  const log = () => join(dir, 'log.sqlite');
  /** Puts the older copy of the log in place, as a lost write-ahead log would leave it. */
  const rollBack = (): void => {
    for (const suffix of ['-wal', '-shm']) rmSync(`${log()}${suffix}`, { force: true });
    copyFileSync(join(dir, 'log.sqlite.old'), log());
  };
  const serveOnce = () => cli(['serve', '--data-dir', dir, '--port', '0']);
  const slowCheckpoints = { GOUVERNAIL_CHECKPOINT_INTERVAL_MS: '3600000' };

  beforeAll(async () => {
    dir = tempDir();
    let server = await startServer(dir, slowCheckpoints);
    expect((await postEvents(server.url, dir, events('first', 20))).status).toBe(200);
    await waitForProjections(server.url);
    await server.stop();
    // Stopped: the last checkpoint covers the first events, and the log is whole in its main file.
    expect(existsSync(join(dir, 'checkpoint-witness'))).toBe(true);
    copyFileSync(log(), join(dir, 'log.sqlite.old'));
    server = await startServer(dir, slowCheckpoints);
    expect((await postEvents(server.url, dir, events('second', 30))).status).toBe(200);
    await waitForProjections(server.url);
    // Killed: no checkpoint covers the second events, only the read models saw them.
    await server.kill();
  }, 90_000);
  afterAll(() => {
    removeDir(dir);
  });

  it('refuses to start when the read models applied events the log no longer holds', async () => {
    rollBack();
    const r = await serveOnce();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('have applied events the log no longer holds');
    expect(r.stderr).toContain(`${log()} ends at position`);
    expect(r.stderr).toContain('gouvernail replay accessHistory');
  }, 30_000);

  it('refuses to start, and verify fails, when the log is behind the last signed checkpoint', async () => {
    // Rebuild the read models on the rolled-back log, start, add events and stop: a checkpoint of
    // the longer log is signed; then roll the log back again.
    for (const name of ['accessHistory', 'configHistory', 'lineageGraph', 'erasureCases'])
      expect((await cli(['replay', name, '--data-dir', dir])).code).toBe(0);
    const server = await startServer(dir, slowCheckpoints);
    expect((await postEvents(server.url, dir, events('third', 5))).status).toBe(200);
    await server.stop();
    rollBack();

    const r = await serveOnce();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`${log()} holds \\d+ entries, but a checkpoint of \\d+ entries was signed`),
    );
    const verify = await cli(['verify', '--data-dir', dir]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(/FAIL: .*log\.sqlite holds \d+ entries, but a checkpoint/);
  }, 90_000);
});
