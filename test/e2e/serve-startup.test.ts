import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, removeDir, startServer, tempDir, type RunningServer } from '../support/cli.js';

describe('gouvernail serve when it cannot listen', () => {
  let dirs: string[];
  let first: RunningServer;

  beforeAll(async () => {
    dirs = [tempDir(), tempDir()];
    first = await startServer(dirs[0]!);
  });
  afterAll(async () => {
    await first.stop();
    dirs.forEach(removeDir);
  });

  it('exits with an error naming the taken port instead of staying up without listening', async () => {
    const port = new URL(first.url).port;
    const second = await cli(['serve', '--data-dir', dirs[1]!, '--port', port]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('EADDRINUSE');
  }, 20_000);

  it('exits 1 even when something it loaded keeps the process alive', async () => {
    const leak = join(dirs[1]!, 'leak.cjs');
    writeFileSync(leak, 'setInterval(() => undefined, 1000);\n');
    const port = new URL(first.url).port;
    const second = await cli(['serve', '--data-dir', dirs[1]!, '--port', port], {
      env: { NODE_OPTIONS: `--require ${leak}` },
      timeoutMs: 30_000,
    });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('EADDRINUSE');
  }, 40_000);

  it('refuses a port that is not a number, naming the flag', async () => {
    for (const port of ['abc', '70000']) {
      const r = await cli(['serve', '--data-dir', dirs[1]!, '--port', port]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--port must be a number from 0 to 65535, not '${port}'`);
    }
  });
});

describe('gouvernail serve --data-dir', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => {
    removeDir(dir);
  });

  it('refuses an empty --data-dir instead of serving ./data', async () => {
    const r = await cli(['serve', '--data-dir', '', '--port', '0'], {
      cwd: dir,
      timeoutMs: 15_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--data-dir is empty');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  }, 20_000);

  it('says a --data-dir that is a file is not a directory', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    for (const dataDir of [file, join(file, 'sub')]) {
      const r = await cli(['serve', '--data-dir', dataDir, '--port', '0'], { timeoutMs: 15_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`the data directory ${dataDir} is not a directory`);
    }
  }, 40_000);
});
