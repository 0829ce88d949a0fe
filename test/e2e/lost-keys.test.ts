import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, postEvents, removeDir, startServer, tempDir } from '../support/cli.js';
import { newAccessEvent } from '../support/new-events.js';

/**
 * A data directory whose key files were lost or replaced: the service must not start and make new
 * keys, which would wrap new personal data under a key nobody keeps, and sign checkpoints that the
 * witnesses' key cannot verify.
 */
describe('serve with a lost key file', () => {
  let dir: string;

  beforeAll(async () => {
    dir = tempDir();
    const server = await startServer(dir, { GOUVERNAIL_CHECKPOINT_INTERVAL_MS: '200' });
    const res = await postEvents(server.url, dir, [
      newAccessEvent('keyed', { subject: 'subj_LostKeysLostKeys0001', email: 'a@example.org' }),
    ]);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 600));
    await server.stop();
  }, 60_000);
  afterAll(() => {
    removeDir(dir);
  });

  const serveOnce = () => cli(['serve', '--data-dir', dir, '--port', '0']);

  it('refuses to start without the checkpoint key that signed the stored checkpoints', async () => {
    renameSync(join(dir, 'checkpoint-key.pem'), join(dir, 'checkpoint-key.pem.bak'));
    const r = await serveOnce();
    renameSync(join(dir, 'checkpoint-key.pem.bak'), join(dir, 'checkpoint-key.pem'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('did not sign the stored checkpoints');
  }, 30_000);

  it('refuses to start with a KEK other than the one that wrapped the stored data keys', async () => {
    renameSync(join(dir, 'kek.key'), join(dir, 'kek.key.bak'));
    const r = await serveOnce();
    renameSync(join(dir, 'kek.key.bak'), join(dir, 'kek.key'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds data keys wrapped by kek_\S+, but the configured KEK is kek_/);
    const again = await startServer(dir);
    await again.stop();
  }, 30_000);
});
