import { createServer } from 'node:net';
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
  beforeAll(() => {
    dir = withSecret(tempDir());
  });
  afterAll(() => {
    removeDir(dir);
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
});
