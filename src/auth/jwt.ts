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
import { ConfigError } from '../config-error.js';

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

/**
 * One way of checking a token's signature, with the algorithms it accepts. Only a JWKS URL is fetched,
 * so only its failures that are no verdict on the token (a network error) mean the keys are unavailable.
 */
interface KeySource {
  readonly key: Uint8Array | CryptoKey | JWTVerifyGetKey;
  readonly algorithms: readonly string[];
  readonly remote: boolean;
}

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
  if (cfg.secret)
    sources.push({
      key: new TextEncoder().encode(cfg.secret),
      algorithms: ['HS256'],
      remote: false,
    });
  if (cfg.publicKeyFile) sources.push(await loadPublicKeys(cfg.publicKeyFile));
  if (cfg.jwksUrl)
    sources.push({
      key: createRemoteJWKSet(new URL(cfg.jwksUrl)),
      algorithms: ASYMMETRIC,
      remote: true,
    });
  if (sources.length === 0) throw new Error('no JWT key configured');

  return {
    verify: async (token) => {
      // The most specific verdict wins: "algorithm not accepted" from one source says less than a
      // bad signature from another that does take the algorithm, which says less than anything a
      // later source found (its keys unavailable: the token may be signed by a key only it holds).
      let verdict: AuthError | undefined;
      for (const source of sources) {
        try {
          const { payload } = await jwtVerify(token, source.key as JWTVerifyGetKey, {
            issuer: cfg.issuer,
            audience: cfg.audience,
            algorithms: [...source.algorithms],
            requiredClaims: ['exp'],
          });
          return principalOf(payload);
        } catch (e) {
          if (e instanceof AuthError) throw e;
          const failure = translate(e, source.remote);
          if (
            !verdict ||
            verdict.reason === 'unsupported-algorithm' ||
            (verdict.reason === 'bad-signature' && failure.reason !== 'unsupported-algorithm')
          )
            verdict = failure;
          // Another source may hold the key; any other failure is a verdict on the token itself
          // (its signature verified), or the keys could not be fetched.
          if (failure.reason !== 'bad-signature' && failure.reason !== 'unsupported-algorithm')
            break;
        }
      }
      throw verdict ?? new AuthError('malformed', 'token is not a valid JWT');
    },
  };
};

/**
 * A JWKS file's keys (RS256 and ES256), or a PEM public key, which takes its key type's algorithm
 * only. A file that cannot be read or holds neither is a {@link ConfigError} naming the variable.
 */
const loadPublicKeys = async (file: string): Promise<KeySource> => {
  const refused = (what: string, cause: unknown): ConfigError =>
    new ConfigError(`GOUVERNAIL_JWT_PUBLIC_KEY_FILE: ${what}`, { cause });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw refused(`cannot read ${file}: ${(cause as Error).message}`, cause);
  }
  if (text.trimStart().startsWith('{')) {
    try {
      return {
        key: createLocalJWKSet(JSON.parse(text) as Parameters<typeof createLocalJWKSet>[0]),
        algorithms: ASYMMETRIC,
        remote: false,
      };
    } catch (cause) {
      throw refused(`${file} is not a JWKS: ${(cause as Error).message}`, cause);
    }
  }
  try {
    const alg = createPublicKey(text).asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
    return { key: await importSPKI(text, alg), algorithms: [alg], remote: false };
  } catch (cause) {
    throw refused(`${file} is neither an RSA or EC public key (SPKI PEM) nor a JWKS`, cause);
  }
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

const translate = (e: unknown, remote: boolean): AuthError => {
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
  // set (a fetch error is no JOSE error at all). Local keys are always there: whatever else jose
  // throws there is a key that cannot check this token.
  if (
    remote &&
    (e instanceof errors.JWKSTimeout ||
      e instanceof errors.JWKSInvalid ||
      !(e instanceof errors.JOSEError))
  )
    return new AuthError(
      'keys-unavailable',
      "the identity provider's signing keys could not be fetched (GOUVERNAIL_JWT_JWKS_URL); try again",
    );
  if (
    e instanceof errors.JWSSignatureVerificationFailed ||
    e instanceof errors.JWKSNoMatchingKey ||
    !(e instanceof errors.JOSEError)
  ) {
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
