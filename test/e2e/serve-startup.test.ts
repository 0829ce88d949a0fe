import { writeFileSync } from 'node:fs';
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
