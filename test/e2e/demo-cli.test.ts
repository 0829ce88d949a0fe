import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, removeDir, tempDir, withSecret } from '../support/cli.js';

/** A loopback port nothing listens on. */
const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => {
        resolve(port);
      });
    });
  });

describe('gouvernail demo when it cannot load the story', () => {
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

  it('names the connection error and how to point it at the service when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await cli(['demo', '--url', url, '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach ${url}: ECONNREFUSED`);
    expect(r.stderr).toContain('--url URL');
    expect(r.stderr).toContain('GOUVERNAIL_PORT');
  });

  it('says a URL without a scheme needs one', async () => {
    const r = await cli(['demo', '--url', 'localhost:4857', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "--url must start with http:// or https://, got 'localhost:4857' (for example --url http://localhost:4857)",
    );
  });

  it("refuses a directory that is not the service's instead of signing with a new secret", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await cli(['demo', '--url', url], { cwd: elsewhere });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(elsewhere, 'data')} holds no gouvernail data`);
    expect(r.stderr).toContain('--data-dir DIR');
    expect(existsSync(join(elsewhere, 'data', 'jwt-secret'))).toBe(false);
  });
});
