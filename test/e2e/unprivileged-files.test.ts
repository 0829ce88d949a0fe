import { chmodSync, chownSync, copyFileSync, cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canRunAsNobody,
  cli,
  NOBODY,
  postEvents,
  removeDir,
  startServer,
  tempDir,
} from '../support/cli.js';
import { newAccessEvent } from '../support/new-events.js';

/** `dir`'s files, made readable by their owner (root) only. */
const privateFiles = (dir: string): void => {
  for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o400);
};

describe.skipIf(!canRunAsNobody())('a data directory this user may not use', () => {
  let root: string;
  let served: string;

  beforeAll(async () => {
    root = tempDir();
    chmodSync(root, 0o755);
    served = join(root, 'served');
    const server = await startServer(served, { GOUVERNAIL_CHECKPOINT_INTERVAL_MS: '100' });
    expect((await postEvents(server.url, served, [newAccessEvent('audited')])).status).toBe(200);
    await fetch(`${server.url}/v1/checkpoint`);
    await server.stop();
  }, 60_000);
  afterAll(() => {
    removeDir(root);
  });

  it.each([
    ['serve', '--port', '0'],
    ['proof', 'audited'],
    ['replay', 'accessHistory'],
    ['certificate', 'case-1'],
  ])('%s names the file it cannot open and the access it needs', async (command, ...args) => {
    const dir = join(root, `unreadable-${command}`);
    cpSync(served, dir, { recursive: true });
    privateFiles(dir);
    chownSync(dir, NOBODY, NOBODY);
    const r = await cli([command, ...args, '--data-dir', dir], { asNobody: true });
    // serve opens the log to write it; the others first read it, to check it is gouvernail's.
    const access =
      command === 'serve'
        ? ': user 65534 needs read and write access to it'
        : ' to read it: user 65534 needs read access to it';
    expect(r.stderr).toBe(
      `gouvernail ${command}: cannot open ${join(dir, 'log.sqlite')}${access.replace('65534', String(NOBODY))}\n`,
    );
    expect(r.code).toBe(1);
  });

  it('verifies a clean read-only copy of the log in a directory it may not write', async () => {
    const copy = join(root, 'auditor-copy');
    mkdirSync(copy);
    copyFileSync(join(served, 'log.sqlite'), join(copy, 'log.sqlite'));
    copyFileSync(join(served, 'checkpoint-key.pem'), join(root, 'key.pem'));
    chmodSync(join(copy, 'log.sqlite'), 0o444);
    chmodSync(join(root, 'key.pem'), 0o444);
    chmodSync(copy, 0o555);

    const r = await cli(['verify', '--data-dir', copy, '--key', join(root, 'key.pem')], {
      asNobody: true,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^OK: 1 entries and [1-9]\d* signed checkpoints verified\n$/);
    expect(r.code).toBe(0);
    expect(readdirSync(copy)).toEqual(['log.sqlite']);

    const keyless = await cli(['verify', '--data-dir', copy], { asNobody: true });
    expect(keyless.stderr).toMatch(
      /^verify: no checkpoint key in .*: give the log's public key with --key KEYFILE/,
    );
    expect(keyless.code).toBe(2);
    expect(readdirSync(copy)).toEqual(['log.sqlite']);
  });
});
