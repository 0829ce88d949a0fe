import type { Role } from '../../domain/primitives.js';
import { AuthError, type Principal, type TokenVerifier } from '../auth/jwt.js';
import { problem } from './respond.js';

/** Why a caller was refused: the principal when the token was good but its role is not allowed. */
export interface Refusal {
  readonly principal?: Principal;
  /** Fixed words and the token's error code: never text the caller chose. */
  readonly reason: string;
}

/**
 * The caller's principal, or the 401/403 (503 when the keys could not be fetched) response that
 * refuses them; `refused` hears of each refusal first, for routes whose refusals are recorded.
 */
export const authenticate = async (
  req: Request,
  tokens: TokenVerifier,
  allowed: readonly Role[],
  refused?: (r: Refusal) => void,
): Promise<Principal | Response> => {
  const unauthenticated = (e: AuthError): Response => {
    refused?.({ reason: `unauthenticated (${e.reason}): ${e.message}` });
    return unauthorized(e);
  };
  const header = req.headers.get('authorization');
  if (!header) return unauthenticated(new AuthError('missing', 'a bearer token is required'));
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match)
    return unauthenticated(
      new AuthError('malformed', 'authorization header must be "Bearer <token>"'),
    );
  let principal: Principal;
  try {
    principal = await tokens.verify(match[1]!);
  } catch (e) {
    if (e instanceof AuthError) return unauthenticated(e);
    throw e;
  }
  if (principal.role !== 'admin' && !allowed.includes(principal.role)) {
    refused?.({ principal, reason: `role '${principal.role}' is not allowed` });
    return problem(
      403,
      'forbidden',
      `role '${principal.role}' may not do this; allowed: ${['admin', ...allowed].join(', ')}`,
    );
  }
  return principal;
};

/** 401 naming why the token was refused. */
export const unauthorized = (e: AuthError): Response => {
  // The keys were not fetched: the caller is not at fault, and may retry.
  if (e.reason === 'keys-unavailable') return problem(503, 'keys-unavailable', e.message);
  const r = problem(401, `unauthenticated:${e.reason}`, e.message);
  r.headers.set(
    'www-authenticate',
    `Bearer error="invalid_token", error_description="${headerText(e.message)}"`,
  );
  return r;
};

/** RFC 6750 error_description: printable ASCII without `"` and `\\`; anything else becomes `?`. */
const headerText = (s: string): string => s.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
