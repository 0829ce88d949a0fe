import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, removeDir, startServer, tempDir } from '../support/cli.js';

/**
 * Runs the CLI with no room to write a byte (`ulimit -f 0`): the first write into a file kills the
 * process, as a disk full or a crash at that moment would stop a first start.
 */
const cliOnFullDisk = (args: readonly string[]): Promise<number | null> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      'sh',
      ['-c', 'ulimit -f 0; exec "$0" "$@"', process.execPath, BIN, ...args],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, GOUVERNAIL_LOG_LEVEL: 'warn' },
        cwd: tmpdir(),
        stdio: 'ignore',
      },
    );
    child.on('error', reject);
    child.on('close', (code) => {
      resolve(code);
    });
  });

describe('generated secret files when the disk fills during their creation', () => {
  let dir: string;

  beforeAll(async () => {
    dir = tempDir();
    // A data directory with a log and no signed checkpoint: a new checkpoint key may be made for it.
    const server = await startServer(dir);
    await server.stop();
  }, 30_000);
  afterAll(() => {
    removeDir(dir);
  });

  it('leaves no empty jwt-secret: the next token command makes a whole one', async () => {
    // A service's data directory without its secret yet: `token` makes one there.
    const fresh = tempDir();
    copyFileSync(join(dir, 'log.sqlite'), join(fresh, 'log.sqlite'));
    try {
      expect(await cliOnFullDisk(['token', '--role', 'admin', '--data-dir', fresh])).not.toBe(0);
      expect(existsSync(join(fresh, 'jwt-secret'))).toBe(false);
      const r = await cli(['token', '--role', 'admin', '--data-dir', fresh]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    } finally {
      removeDir(fresh);
    }
  }, 30_000);

  it('leaves no checkpoint-key.pem: the next start makes a whole one and listens', async () => {
    rmSync(join(dir, 'checkpoint-key.pem'));
    // Only serve makes the key (with the writer of jwt-secret above); verify asks for one.
    expect(await cliOnFullDisk(['verify', '--data-dir', dir])).not.toBe(0);
    expect(existsSync(join(dir, 'checkpoint-key.pem'))).toBe(false);
    const server = await startServer(dir);
    await server.stop();
  }, 30_000);

  it('refuses to start on a checkpoint key file that holds no key, naming it', async () => {
    writeFileSync(join(dir, 'checkpoint-key.pem'), 'not a key\n', { mode: 0o600 });
    const r = await cli(['serve', '--data-dir', dir, '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${join(dir, 'checkpoint-key.pem')} is not an Ed25519 PKCS#8 PEM key`,
    );
    expect(r.stderr).not.toContain('DECODER');
  }, 30_000);
});
