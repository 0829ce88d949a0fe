// `graphql/index.js` rather than `graphql` throughout schema/ and src/graphql: that is the CommonJS
// build Pothos and yoga load; vitest would otherwise resolve `graphql` to its .mjs build, a second instance.
import { GraphQLError } from 'graphql/index.js';
import type { Role } from '../domain/primitives.js';

/** `extensions.code` of every error this API reports on purpose. */
export type ProblemCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'QUERY_TOO_DEEP'
  | 'QUERY_TOO_COSTLY'
  | 'QUERY_TOO_LARGE'
  | 'TOO_MANY_ALIASES'
  | 'PAGE_TOO_LARGE'
  | 'LINEAGE_TOO_DEEP'
  | 'ERASURE_REFUSED'
  | 'AUDIT_UNAVAILABLE';

/** Codes that mean the request was refused (recorded as a denied access). */
export const refusalCodes: ReadonlySet<string> = new Set<ProblemCode>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'QUERY_TOO_DEEP',
  'QUERY_TOO_COSTLY',
  'QUERY_TOO_LARGE',
  'TOO_MANY_ALIASES',
  'PAGE_TOO_LARGE',
  'LINEAGE_TOO_DEEP',
  'AUDIT_UNAVAILABLE',
]);

export const problem = (
  code: ProblemCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError => new GraphQLError(message, { extensions: { code, ...extensions } });

const list = (roles: readonly string[]): string => {
  const unique = [...new Set(roles)];
  return unique.length <= 1
    ? (unique[0] ?? '')
    : `${unique.slice(0, -1).join(', ')} or ${unique.at(-1)!}`;
};

export const unauthenticated = (field: string): GraphQLError =>
  problem('UNAUTHENTICATED', `${field} needs authentication: send a bearer token`);

export const forbidden = (field: string, needed: readonly Role[], role: Role): GraphQLError =>
  problem('FORBIDDEN', `${field} needs role ${list(needed)}; your role is ${role}`, {
    requiredRoles: [...new Set(needed)],
  });

export const badUserInput = (message: string, argument?: string): GraphQLError =>
  problem('BAD_USER_INPUT', message, argument === undefined ? {} : { argument });

/** Runs a read-model call, turning its `RangeError` (invalid argument) into BAD_USER_INPUT. */
export const readModel = async <T>(call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (e) {
    if (e instanceof RangeError) throw badUserInput(e.message);
    throw e;
  }
};

/** A read that must be recorded first could not be: nothing of it is answered. */
export const auditUnavailable = (what: string): GraphQLError =>
  problem(
    'AUDIT_UNAVAILABLE',
    `${what} could not be recorded in the audit log, so nothing was disclosed; try again`,
  );
