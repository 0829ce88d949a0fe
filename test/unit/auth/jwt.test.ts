import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { AuthError, createTokenVerifier, signLocalToken } from '../../../src/auth/jwt.js';
import { unauthorized } from '../../../src/http/authenticate.js';
import { removeDir, tempDir } from '../../support/cli.js';

const dir = tempDir('gv-jwt-');
afterAll(() => {
  removeDir(dir);
});
const claims = { issuer: 'gouvernail', audience: 'gouvernail' };
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

const signWith = (
  alg: 'RS256' | 'ES256',
  key: CryptoKey,
  payload: Record<string, unknown> = { role: 'auditor' },
  kid?: string,
) =>
  new SignJWT(payload)
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setSubject('alice')
    .setIssuer('gouvernail')
    .setAudience('gouvernail')
    .setExpirationTime(inAnHour())
    .sign(key);

const reasonOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'accepted';
  } catch (e) {
    return e instanceof AuthError ? e.reason : `unexpected ${String(e)}`;
  }
};

describe('bearer token verification', () => {
  it.each(['RS256', 'ES256'] as const)(
    'accepts %s tokens signed by the key in the PEM file and refuses other keys',
    async (alg) => {
      const good = await generateKeyPair(alg);
      const other = await generateKeyPair(alg);
      const file = join(dir, `${alg}.pem`);
      writeFileSync(file, await exportSPKI(good.publicKey));
      const verifier = await createTokenVerifier({ ...claims, publicKeyFile: file });
      expect(await verifier.verify(await signWith(alg, good.privateKey))).toEqual({
        id: 'alice',
        role: 'auditor',
      });
      expect(await reasonOf(verifier.verify(await signWith(alg, other.privateKey)))).toBe(
        'bad-signature',
      );
    },
  );

  it('accepts tokens whose kid is in a JWKS file and refuses an unknown kid', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const file = join(dir, 'jwks.json');
    writeFileSync(
      file,
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }),
    );
    const verifier = await createTokenVerifier({ ...claims, publicKeyFile: file });
    expect(
      (await verifier.verify(await signWith('ES256', privateKey, { role: 'dpo' }, 'k1'))).role,
    ).toBe('dpo');
    expect(
      await reasonOf(verifier.verify(await signWith('ES256', privateKey, { role: 'dpo' }, 'k2'))),
    ).toBe('bad-signature');
  });

  it('refuses alg none, an HS256 token where only public keys are configured, wrong issuer or audience, a bad role and expiry', async () => {
    const secret = 's'.repeat(40);
    const hs = await createTokenVerifier({ ...claims, secret });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'a', role: 'admin', iss: 'gouvernail', aud: 'gouvernail', exp: inAnHour() })).toString('base64url')}.`;
    expect(await reasonOf(hs.verify(none))).toBe('unsupported-algorithm');
    const { publicKey } = await generateKeyPair('ES256');
    const file = join(dir, 'only-public.pem');
    writeFileSync(file, await exportSPKI(publicKey));
    const asymmetric = await createTokenVerifier({ ...claims, publicKeyFile: file });
    const hsToken = await signLocalToken(secret, {
      sub: 'a',
      role: 'admin',
      ...claims,
      ttlSeconds: 60,
    });
    expect(await reasonOf(asymmetric.verify(hsToken))).toBe('unsupported-algorithm');
    expect(
      await reasonOf(
        hs.verify(
          await signLocalToken(secret, {
            sub: 'a',
            role: 'admin',
            issuer: 'evil',
            audience: 'gouvernail',
            ttlSeconds: 60,
          }),
        ),
      ),
    ).toBe('wrong-claims');
    expect(
      await reasonOf(
        hs.verify(
          await signLocalToken(secret, {
            sub: 'a',
            role: 'admin',
            issuer: 'gouvernail',
            audience: 'other',
            ttlSeconds: 60,
          }),
        ),
      ),
    ).toBe('wrong-claims');
    expect(
      await reasonOf(
        hs.verify(
          await signLocalToken(secret, { sub: 'a', role: 'system', ...claims, ttlSeconds: 60 }),
        ),
      ),
    ).toBe('wrong-claims');
    expect(
      await reasonOf(
        hs.verify(
          await signLocalToken(secret, { sub: 'a', role: 'admin', ...claims, ttlSeconds: -10 }),
        ),
      ),
    ).toBe('expired');
    expect(await reasonOf(hs.verify('not-a-token'))).toBe('malformed');
  });

  it('refuses a token that never expires (no exp), saying so', async () => {
    const secret = 'k'.repeat(40);
    const hs = await createTokenVerifier({ ...claims, secret });
    const forever = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setIssuer('gouvernail')
      .setAudience('gouvernail')
      .sign(new TextEncoder().encode(secret));
    await expect(hs.verify(forever)).rejects.toThrow("token has no 'exp' claim");
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const file = join(dir, 'forever.pem');
    writeFileSync(file, await exportSPKI(publicKey));
    const es = await createTokenVerifier({ ...claims, publicKeyFile: file });
    const esForever = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('a')
      .setIssuer('gouvernail')
      .setAudience('gouvernail')
      .sign(privateKey);
    expect(await reasonOf(es.verify(esForever))).toBe('wrong-claims');
  });
});

describe('what a refused token is told', () => {
  const secret = 's'.repeat(40);
  const messageOf = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
      return 'accepted';
    } catch (e) {
      return e instanceof AuthError ? `${e.reason}: ${e.message}` : `unexpected ${String(e)}`;
    }
  };

  it('accepts a sub of 255 characters and refuses a longer one, which no event could record as its actor', async () => {
    const hs = await createTokenVerifier({ ...claims, secret });
    const token = (sub: string) =>
      signLocalToken(secret, { sub, role: 'producer', ...claims, ttlSeconds: 60 });
    expect(await hs.verify(await token('p'.repeat(255)))).toMatchObject({ role: 'producer' });
    expect(await messageOf(hs.verify(await token('p'.repeat(256))))).toBe(
      "wrong-claims: token subject (sub) is longer than 255 characters (OpenID Connect's limit)",
    );
  });

  it('does not quote the header of a token using a critical parameter it does not know', async () => {
    const hs = await createTokenVerifier({ ...claims, secret });
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const name = 'jean.dupont@example.org\n';
    const forged = `${b64({ alg: 'HS256', crit: [name], [name]: 1 })}.${b64({ sub: 'x', role: 'admin', iss: 'gouvernail', aud: 'gouvernail', exp: inAnHour() })}.AAAA`;
    const message = await messageOf(hs.verify(forged));
    expect(message).toMatch(/^unsupported-algorithm: /);
    expect(message).not.toContain('jean.dupont');
  });
});

describe('a token checked against an identity provider that does not answer', () => {
  it('is neither accepted nor called malformed: the keys are unavailable, and the answer is 503', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const verifier = await createTokenVerifier({
      ...claims,
      jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json',
    });
    const token = await signWith('RS256', privateKey, { role: 'auditor' }, 'k1');
    const failure = await verifier.verify(token).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AuthError);
    expect((failure as AuthError).reason).toBe('keys-unavailable');
    const res = unauthorized(failure as AuthError);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('keys-unavailable');
  });

  it('is still keys-unavailable when a key file beside the provider does not verify it', async () => {
    const local = await generateKeyPair('RS256');
    const file = join(dir, 'beside-provider.pem');
    writeFileSync(file, await exportSPKI(local.publicKey));
    const verifier = await createTokenVerifier({
      ...claims,
      publicKeyFile: file,
      jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json',
    });
    // Signed by a key only the provider's set would hold: the file says "bad signature", the
    // provider cannot be asked, so the token is not known to be forged.
    const { privateKey } = await generateKeyPair('RS256');
    const token = await signWith('RS256', privateKey, { role: 'auditor' }, 'k1');
    expect(await reasonOf(verifier.verify(token))).toBe('keys-unavailable');
  });
});

describe('a token checked against keys that cannot take its algorithm', () => {
  it.each([
    ['RS256', 'ES256'],
    ['ES256', 'RS256'],
  ] as const)(
    'with a %s PEM key, an %s token is refused as unsupported-algorithm (401), not keys-unavailable (503)',
    async (keyAlg, tokenAlg) => {
      const configured = await generateKeyPair(keyAlg);
      const other = await generateKeyPair(tokenAlg);
      const file = join(dir, `only-${keyAlg}.pem`);
      writeFileSync(file, await exportSPKI(configured.publicKey));
      const verifier = await createTokenVerifier({ ...claims, publicKeyFile: file });
      expect(await reasonOf(verifier.verify(await signWith(tokenAlg, other.privateKey)))).toBe(
        'unsupported-algorithm',
      );
    },
  );

  it('with both a shared secret and a key file, an HS256 token with a wrong signature is a bad signature', async () => {
    const { publicKey } = await generateKeyPair('RS256');
    const file = join(dir, 'beside-secret.pem');
    writeFileSync(file, await exportSPKI(publicKey));
    const verifier = await createTokenVerifier({
      ...claims,
      secret: 's'.repeat(40),
      publicKeyFile: file,
    });
    const forged = await signLocalToken('f'.repeat(40), {
      sub: 'a',
      role: 'admin',
      ...claims,
      ttlSeconds: 60,
    });
    expect(await reasonOf(verifier.verify(forged))).toBe('bad-signature');
  });
});
