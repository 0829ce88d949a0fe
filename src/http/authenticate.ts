import type { Role } from '../../domain/primitives.js';
import { AuthError, type Principal, type TokenVerifier } from '../auth/jwt.js';
import { problem } from './respond.js';

/** The caller's principal, or the 401/403 response that refuses them. */
export const authenticate = async (
  req: Request,
  tokens: TokenVerifier,
  allowed: readonly Role[],
): Promise<Principal | Response> => {
  const header = req.headers.get('authorization');
  if (!header) return unauthorized(new AuthError('missing', 'a bearer token is required'));
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match)
    return unauthorized(
      new AuthError('malformed', 'authorization header must be "Bearer <token>"'),
    );
  let principal: Principal;
  try {
    principal = await tokens.verify(match[1]!);
  } catch (e) {
    if (e instanceof AuthError) return unauthorized(e);
    throw e;
  }
  if (principal.role !== 'admin' && !allowed.includes(principal.role)) {
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
