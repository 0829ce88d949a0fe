import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportPKCS8, generateKeyPair } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../../src/auth/jwt.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { removeDir, tempDir } from '../../support/cli.js';

const dir = tempDir('gv-jwt-settings-');
afterAll(() => {
  removeDir(dir);
});
const claims = { issuer: 'gouvernail', audience: 'gouvernail' };

/** What `serve` would say of `GOUVERNAIL_JWT_PUBLIC_KEY_FILE` set to a file holding `text`. */
const refusalOf = async (name: string, text?: string): Promise<unknown> => {
  const file = join(dir, name);
  if (text !== undefined) writeFileSync(file, text);
  return createTokenVerifier({ ...claims, publicKeyFile: file }).catch((e: unknown) => e);
};

describe('a JWT key setting the service cannot use', () => {
  it('names GOUVERNAIL_JWT_PUBLIC_KEY_FILE and the file when it holds no public key', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    for (const [name, text] of [
      ['hostname', 'build-host-7\n'],
      ['private.pem', await exportPKCS8(privateKey)],
    ] as const) {
      const refused = await refusalOf(name, text);
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as Error).message).toBe(
        `GOUVERNAIL_JWT_PUBLIC_KEY_FILE: ${join(dir, name)} is neither an RSA or EC public key (SPKI PEM) nor a JWKS`,
      );
    }
  });

  it('names the variable when the file is missing or not a JWKS', async () => {
    expect(((await refusalOf('missing.pem')) as Error).message).toBe(
      `GOUVERNAIL_JWT_PUBLIC_KEY_FILE: cannot read ${join(dir, 'missing.pem')}: ENOENT: no such file or directory, open '${join(dir, 'missing.pem')}'`,
    );
    expect(((await refusalOf('keys.json', '{"keys": 3}')) as Error).message).toMatch(
      new RegExp(`^GOUVERNAIL_JWT_PUBLIC_KEY_FILE: ${join(dir, 'keys.json')} is not a JWKS: `),
    );
  });

  it.each(['notaurl', 'ftp://idp.example/jwks.json', 'file:///etc/jwks.json'])(
    "refuses GOUVERNAIL_JWT_JWKS_URL '%s': only an http or https URL is fetched",
    (url) => {
      expect(() => loadConfig({ GOUVERNAIL_JWT_JWKS_URL: url })).toThrow(
        new ConfigError(
          `GOUVERNAIL_JWT_JWKS_URL must be the http or https URL of the identity provider's JWKS, got '${url}'`,
        ),
      );
    },
  );

  it('takes an https JWKS URL', () => {
    const url = 'https://idp.example/.well-known/jwks.json';
    expect(loadConfig({ GOUVERNAIL_JWT_JWKS_URL: url }).jwt.jwksUrl).toBe(url);
  });
});
