import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, removeDir, startServer, tempDir } from '../support/cli.js';

describe('one serve per data directory', () => {
  it('refuses a second one while the first runs, takes over after a crash, and cleans up on stop', async () => {
    const dir = tempDir();
    try {
      const first = await startServer(dir);
      const second = await cli(['serve', '--data-dir', dir, '--port', '0']);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(`another gouvernail \\(pid ${first.process.pid}\\) serves`),
      );
      await first.kill();
      // What a crash leaves: the file, naming a process that no longer runs.
      expect(existsSync(join(dir, 'gouvernail.pid'))).toBe(true);
      writeFileSync(join(dir, 'gouvernail.pid'), '999999999\n');
      const after = await startServer(dir);
      await after.stop();
      expect(after.process.exitCode).toBe(0);
      expect(existsSync(join(dir, 'gouvernail.pid'))).toBe(false);
    } finally {
      removeDir(dir);
    }
  }, 60_000);

  it('refuses a replay while the service runs on the directory, and replays once it is stopped', async () => {
    const dir = tempDir();
    try {
      const server = await startServer(dir);
      const refused = await cli(['replay', 'accessHistory', '--data-dir', dir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(
          `replay: another gouvernail \\(pid ${server.process.pid}\\) serves .*stop it first`,
        ),
      );
      await server.stop();
      const replayed = await cli(['replay', 'accessHistory', '--data-dir', dir]);
      expect(replayed.code).toBe(0);
      expect(existsSync(join(dir, 'gouvernail.pid'))).toBe(false);
    } finally {
      removeDir(dir);
    }
  }, 60_000);
});
