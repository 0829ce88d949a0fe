import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  importSPKI,
  jwtVerify,
  SignJWT,
  type JWTVerifyGetKey,
  type CryptoKey,
} from 'jose';
import { TokenRoles, type Role } from '../../domain/primitives.js';

/** Who is calling, as proven by their token. */
export interface Principal {
  readonly id: string;
  readonly role: Role;
}

export type AuthFailure =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'bad-signature'
  | 'unsupported-algorithm'
  | 'wrong-claims'
  /** The identity provider's keys could not be fetched: the token was not judged at all. */
  | 'keys-unavailable';

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly reason: AuthFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

type KeySource =
  { kind: 'secret'; secret: Uint8Array } | { kind: 'keys'; getKey: JWTVerifyGetKey | CryptoKey };

const ASYMMETRIC = ['RS256', 'ES256'];

/**
 * Verifies bearer JWTs: HS256 with the shared secret, or RS256/ES256 with a PEM public key file or
 * a JWKS URL. Issuer, audience and expiry are checked; `alg: none` and unknown keys are refused.
 */
export const createTokenVerifier = async (cfg: {
  secret?: string | undefined;
  publicKeyFile?: string | undefined;
  jwksUrl?: string | undefined;
  issuer: string;
  audience: string;
}): Promise<TokenVerifier> => {
  const sources: KeySource[] = [];
  if (cfg.secret) sources.push({ kind: 'secret', secret: new TextEncoder().encode(cfg.secret) });
  if (cfg.publicKeyFile)
    sources.push({ kind: 'keys', getKey: await loadPublicKeys(cfg.publicKeyFile) });
  if (cfg.jwksUrl) sources.push({ kind: 'keys', getKey: createRemoteJWKSet(new URL(cfg.jwksUrl)) });
  if (sources.length === 0) throw new Error('no JWT key configured');

  return {
    verify: async (token) => {
      let last: unknown;
      for (const source of sources) {
        try {
          const { payload } =
            source.kind === 'secret'
              ? await jwtVerify(token, source.secret, {
                  issuer: cfg.issuer,
                  audience: cfg.audience,
                  algorithms: ['HS256'],
                  requiredClaims: ['exp'],
                })
              : await jwtVerify(token, source.getKey as JWTVerifyGetKey, {
                  issuer: cfg.issuer,
                  audience: cfg.audience,
                  algorithms: ASYMMETRIC,
                  requiredClaims: ['exp'],
                });
          return principalOf(payload);
        } catch (e) {
          if (e instanceof AuthError) throw e;
          last = e;
          if (!(
            e instanceof errors.JWSSignatureVerificationFailed ||
            e instanceof errors.JOSEAlgNotAllowed ||
            e instanceof errors.JWKSNoMatchingKey
          ))
            break;
        }
      }
      throw translate(last);
    },
  };
};

const loadPublicKeys = async (file: string): Promise<JWTVerifyGetKey | CryptoKey> => {
  const text = readFileSync(file, 'utf8');
  if (text.trimStart().startsWith('{'))
    return createLocalJWKSet(JSON.parse(text) as Parameters<typeof createLocalJWKSet>[0]);
  const alg = createPublicKey(text).asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
  return importSPKI(text, alg);
};

/** Longest `sub` accepted. */
const MAX_SUBJECT = 255;

const principalOf = (payload: Record<string, unknown>): Principal => {
  const sub = payload.sub;
  const role = payload.role;
  if (typeof sub !== 'string' || sub === '')
    throw new AuthError('wrong-claims', 'token has no subject (sub)');
  // OpenID Connect Core §2: a sub is at most 255 ASCII characters. A longer one could not be
  // recorded as the actor of the events this principal causes (ingest, erasure commands).
  if (sub.length > MAX_SUBJECT)
    throw new AuthError(
      'wrong-claims',
      `token subject (sub) is longer than ${MAX_SUBJECT} characters (OpenID Connect's limit)`,
    );
  if (typeof role !== 'string' || !(TokenRoles as readonly string[]).includes(role)) {
    throw new AuthError('wrong-claims', `token role must be one of ${TokenRoles.join(', ')}`);
  }
  return { id: sub, role: role as Role };
};

const translate = (e: unknown): AuthError => {
  if (e instanceof errors.JWTExpired) return new AuthError('expired', 'token expired');
  if (e instanceof errors.JWTClaimValidationFailed)
    return new AuthError(
      'wrong-claims',
      e.reason === 'missing'
        ? `token has no '${e.claim}' claim; it is required${e.claim === 'exp' ? ' (a token must expire)' : ''}`
        : `token claim '${e.claim}' is not accepted: ${e.reason}`,
    );
  if (e instanceof errors.JOSEAlgNotAllowed)
    return new AuthError(
      'unsupported-algorithm',
      'token algorithm is not accepted here (HS256 with the shared secret, RS256 or ES256 with the configured keys)',
    );
  // jose's message quotes the token's header (a `crit` parameter name, say): attacker text, which
  // must reach neither a response header nor the audit log.
  if (e instanceof errors.JOSENotSupported)
    return new AuthError(
      'unsupported-algorithm',
      'token uses a JOSE feature this service does not support (an unknown algorithm, or a critical header parameter)',
    );
  // Not a verdict on the token: the JWKS URL did not answer, or answered something that is no key
  // set (a fetch error is no JOSE error at all).
  if (
    e instanceof errors.JWKSTimeout ||
    e instanceof errors.JWKSInvalid ||
    !(e instanceof errors.JOSEError)
  )
    return new AuthError(
      'keys-unavailable',
      "the identity provider's signing keys could not be fetched (GOUVERNAIL_JWT_JWKS_URL); try again",
    );
  if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey) {
    return new AuthError('bad-signature', 'token signature does not verify with any known key');
  }
  return new AuthError('malformed', 'token is not a valid JWT');
};

/** Signs a token with the local HS256 secret (development and embedded use). */
export const signLocalToken = (
  secret: string,
  claims: { sub: string; role: Role; issuer: string; audience: string; ttlSeconds: number },
): Promise<string> =>
  new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + claims.ttlSeconds)
    .sign(new TextEncoder().encode(secret));
