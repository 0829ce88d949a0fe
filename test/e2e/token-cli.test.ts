import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, removeDir, tempDir } from '../support/cli.js';

describe('gouvernail token', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => {
    removeDir(dir);
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
});
