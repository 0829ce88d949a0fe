import { copyFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  postEvents,
  removeDir,
  startServer,
  tempDir,
  tokenFor,
  type RunningServer,
} from '../support/cli.js';
import { loadOrCreateCheckpointSigner } from '../../src/checkpoint/local-key.js';
import { newAccessEvent } from '../support/new-events.js';

/**
 * A data directory whose key files were lost or replaced: the service must not start and make new
 * keys, which would wrap new personal data under a key nobody keeps, and sign checkpoints that the
 * witnesses' key cannot verify.
 */
describe('serve with a lost key file', () => {
  let dir: string;
  const early = 'subj_LostKeysLostKeys0001';
  const late = 'subj_LostKeysLostKeys0002';

  beforeAll(async () => {
    dir = tempDir();
    let server = await startServer(dir, { GOUVERNAIL_CHECKPOINT_INTERVAL_MS: '200' });
    const res = await postEvents(server.url, dir, [
      newAccessEvent('keyed', { subject: early, email: 'a@example.org' }),
    ]);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 600));
    await server.stop();
    // A backup of the vault taken before the second subject's key was made.
    copyFileSync(join(dir, 'keys.sqlite'), join(dir, 'keys.sqlite.before-late'));
    server = await startServer(dir);
    const more = await postEvents(server.url, dir, [
      newAccessEvent('keyed-late', { subject: late, email: 'b@example.org' }),
    ]);
    expect(more.status).toBe(200);
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
    expect(r.stderr).toContain(
      `the checkpoint key (${join(dir, 'checkpoint-key.pem')}) did not sign the stored checkpoints`,
    );
  }, 30_000);

  it('verify of a copy restored without its checkpoint key asks for the key and makes none', async () => {
    const key = join(dir, 'checkpoint-key.pem');
    const vkey = loadOrCreateCheckpointSigner(dir, 'gouvernail.local/audit-log').vkey;
    renameSync(key, `${key}.bak`);
    const r = await cli(['verify', '--data-dir', dir]);
    const created = existsSync(key);
    writeFileSync(join(dir, 'log.vkey'), `${vkey}\n`);
    const withKey = await cli(['verify', '--data-dir', dir, '--key', join(dir, 'log.vkey')]);
    renameSync(`${key}.bak`, key);
    expect(created).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no checkpoint key in ${dir}`);
    expect(r.stderr).toContain('--key KEYFILE');
    expect(r.stderr).not.toContain('FAIL');
    expect(withKey.stdout).toMatch(/^OK: \d+ entries and \d+ signed checkpoints verified/);
    expect(withKey.code).toBe(0);
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

  it('refuses to start without keys.sqlite when the log holds sealed fields, and does not create it', async () => {
    renameSync(join(dir, 'keys.sqlite'), join(dir, 'keys.sqlite.bak'));
    const r = await serveOnce();
    const created = existsSync(join(dir, 'keys.sqlite'));
    renameSync(join(dir, 'keys.sqlite.bak'), join(dir, 'keys.sqlite'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `the key vault ${join(dir, 'keys.sqlite')} is missing or holds no data keys, but the log holds sealed personal fields`,
    );
    expect(created).toBe(false);
  }, 30_000);

  describe('with a vault restored from before a subject was keyed', () => {
    let server: RunningServer;
    let token: string;
    beforeAll(async () => {
      renameSync(join(dir, 'keys.sqlite'), join(dir, 'keys.sqlite.current'));
      copyFileSync(join(dir, 'keys.sqlite.before-late'), join(dir, 'keys.sqlite'));
      server = await startServer(dir);
      token = await tokenFor(dir, 'dpo');
    }, 30_000);
    afterAll(async () => {
      await server.stop();
      renameSync(join(dir, 'keys.sqlite.current'), join(dir, 'keys.sqlite'));
    });

    const personal = async (id: string, subject: string): Promise<unknown> => {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: `{ event(id: "${id}") { personal(subject: "${subject}") { ... on PersonalFields { fields } ... on Error { code message } } } }`,
        }),
      });
      return ((await res.json()) as { data: { event: { personal: unknown } } }).data.event.personal;
    };

    it('reads the fields the vault still has the key of', async () => {
      expect(await personal('keyed', early)).toEqual({ fields: { email: 'a@example.org' } });
    });

    it('says the key is missing from the vault, not that the subject was erased', async () => {
      const answer = (await personal('keyed-late', late)) as { code: string; message: string };
      expect(answer.code).toBe('DATA_KEY_MISSING');
      expect(answer.message).toMatch(
        new RegExp(`^data key dk_\\S+ of subject ${late} is missing from the key vault`),
      );
    });
  });
});
