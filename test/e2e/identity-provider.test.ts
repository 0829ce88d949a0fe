import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  removeDir,
  startServer,
  tempDir,
  tokenFor,
  type RunningServer,
} from '../support/cli.js';

const query = (url: string, token: string): Promise<Response> =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ erasureCases(first: 1) { totalCount } }' }),
  });

describe('gouvernail serve with an identity provider key', () => {
  let dir: string;
  let server: RunningServer;
  let env: Record<string, string>;
  let localToken: string;
  let providerToken: string;

  beforeAll(async () => {
    dir = tempDir();
    // A development token, minted while the service still ran on its generated secret.
    const before = await startServer(dir);
    localToken = await tokenFor(dir, 'admin');
    await before.stop();
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const keyFile = join(dir, 'idp.pem');
    writeFileSync(keyFile, await exportSPKI(publicKey));
    env = { GOUVERNAIL_JWT_PUBLIC_KEY_FILE: keyFile };
    providerToken = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('alice')
      .setIssuer('gouvernail')
      .setAudience('gouvernail')
      .setExpirationTime('10m')
      .sign(privateKey);
    server = await startServer(dir, env);
  }, 30_000);
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
  });

  it("accepts the provider's tokens and refuses one signed with the data directory's secret", async () => {
    expect((await query(server.url, providerToken)).status).toBe(200);
    const refused = await query(server.url, localToken);
    expect(refused.status).toBe(401);
  });

  it('will not mint a local token the service would refuse, and says why', async () => {
    const r = await cli(['token', '--role', 'admin', '--data-dir', dir], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('GOUVERNAIL_JWT_PUBLIC_KEY_FILE');
  });
});
