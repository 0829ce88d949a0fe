import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hs256Secret } from '../../../src/secrets.js';

const dirs: string[] = [];
const config = (jwt: { secret?: string; publicKeyFile?: string; jwksUrl?: string }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gv-secret-'));
  dirs.push(dataDir);
  return {
    dataDir,
    jwt: { secret: jwt.secret, publicKeyFile: jwt.publicKeyFile, jwksUrl: jwt.jwksUrl },
  };
};
afterEach(() => {
  dirs.splice(0).forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  });
});

describe('which HS256 secret the service accepts', () => {
  it('the generated local secret when nothing is configured, the same on every start', () => {
    const c = config({});
    const first = hs256Secret(c);
    expect(first).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(hs256Secret(c)).toBe(first);
  });

  it('not a secret file shorter than 32 characters, with which anyone could mint an admin token', () => {
    const c = config({});
    writeFileSync(join(c.dataDir, 'jwt-secret'), 'x', { mode: 0o600 });
    expect(() => hs256Secret(c)).toThrow(/holds a secret of 1 characters; it needs at least 32/);
  });

  it('none once an identity provider is configured, and no secret file is created', () => {
    for (const idp of [{ publicKeyFile: '/etc/idp.pem' }, { jwksUrl: 'https://idp/jwks' }]) {
      const c = config(idp);
      expect(hs256Secret(c)).toBeUndefined();
      expect(existsSync(join(c.dataDir, 'jwt-secret'))).toBe(false);
    }
  });

  it('the configured secret, also beside an identity provider', () => {
    const secret = 's'.repeat(40);
    expect(hs256Secret(config({ secret }))).toBe(secret);
    expect(hs256Secret(config({ secret, publicKeyFile: '/etc/idp.pem' }))).toBe(secret);
  });
});
