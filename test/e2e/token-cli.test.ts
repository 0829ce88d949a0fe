import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, removeDir, tempDir, withSecret } from '../support/cli.js';

describe('gouvernail token', () => {
  let dir: string;
  let elsewhere: string;
  beforeAll(() => {
    dir = withSecret(tempDir());
    elsewhere = tempDir();
  });
  afterAll(() => {
    removeDir(dir);
    removeDir(elsewhere);
  });

  it.each([
    [['--ttl', '1e20'], /--ttl must be a whole number of seconds from 1 to 31536000/],
    [['--ttl', '0'], /--ttl must be/],
    [['--sub', ''], /--sub must be 1 to 255 characters/],
    [['--sub', 's'.repeat(256)], /--sub must be 1 to 255 characters/],
  ])(
    'refuses %j, which would mint a token the service must not or cannot accept',
    async (extra, why) => {
      const r = await cli(['token', '--role', 'admin', '--data-dir', dir, ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(r.stdout).toBe('');
    },
  );

  it('mints one within the bounds', async () => {
    const r = await cli(['token', '--role', 'admin', '--ttl', '31536000', '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('.')).toHaveLength(3);
  });

  it("refuses a directory that is not the service's, naming it and --data-dir, and creates no secret there", async () => {
    const r = await cli(['token', '--role', 'auditor'], { cwd: elsewhere });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${join(elsewhere, 'data')} holds no gouvernail data`);
    expect(r.stderr).toContain('--data-dir DIR');
    expect(existsSync(join(elsewhere, 'data', 'jwt-secret'))).toBe(false);
  });

  it("mints without --data-dir where ./data is the service's, as the README shows", async () => {
    withSecret(join(elsewhere, 'project', 'data'));
    const r = await cli(['token', '--role', 'auditor'], { cwd: join(elsewhere, 'project') });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('.')).toHaveLength(3);
  });
});
