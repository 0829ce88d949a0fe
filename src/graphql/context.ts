import type { GraphQLContext } from '../../schema/context.js';
import { auditUnavailable } from '../../schema/problems.js';
import { AuthError, type Principal, type TokenVerifier } from '../auth/jwt.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import { clientAddressOf } from '../http/client-address.js';
import type { VerifiableLog } from '../log/verifiable-log.js';
import type { ErasureService } from '../erasure/ports.js';
import type { Metrics } from '../metrics.js';
import type { PersonalReader } from '../personal.js';
import type { ProofService } from '../proofs.js';
import type { AccessRecorder } from '../query-recorder.js';
import type { ReadSide } from '../read-side.js';

export interface GraphQLContextDeps {
  readonly log: VerifiableLog;
  readonly readSide: ReadSide;
  readonly proofs: ProofService;
  readonly checkpoints: CheckpointStore;
  readonly personal: PersonalReader;
  readonly recorder: AccessRecorder;
  readonly metrics: Metrics;
  readonly erasure: ErasureService;
  /** Reverse proxies of the operator's in front of gouvernail (see client-address.ts). */
  readonly trustedProxies: number;
}

const admitted = new WeakMap<Request, Principal | null>();

/**
 * Verifies the token of a GraphQL request once, before its body is read, and hands the caller to the
 * request's context: a token that expires while the body uploads, or a JWKS URL that stops answering
 * meanwhile, cannot fail a request already admitted. Resolves to null without a token (anonymous:
 * every field then answers UNAUTHENTICATED); throws AuthError for a bad or expired token, which the
 * HTTP layer answers with 401 before GraphQL runs.
 */
export const admitGraphqlRequest = async (
  req: Request,
  tokens: TokenVerifier,
): Promise<Principal | null> => {
  const header = req.headers.get('authorization');
  let principal: Principal | null = null;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new AuthError('malformed', 'authorization header must be "Bearer <token>"');
    principal = await tokens.verify(m[1]!);
  }
  admitted.set(req, principal);
  return principal;
};

/** The resource every GraphQL access is recorded on, whether GraphQL ran or the token was refused. */
export const GRAPHQL_RESOURCE = 'gouvernail://graphql';

/** Builds the context of one GraphQL request from the caller's token and the service's parts. */
export const createGraphQLContextFactory =
  (deps: GraphQLContextDeps) =>
  (req: Request): Promise<GraphQLContext> => {
    const principal = admitted.get(req);
    if (principal === undefined)
      return Promise.reject(
        new Error('GraphQL request not admitted: its token was not verified (admitGraphqlRequest)'),
      );
    const started = process.hrtime.bigint();
    const who = principal ?? { id: 'anonymous', role: 'anonymous' as const };
    const clientAddress = clientAddressOf(req, deps.trustedProxies);
    return Promise.resolve({
      principal,
      access: deps.readSide.access,
      config: deps.readSide.config,
      lineage: deps.readSide.lineage,
      erasure: { cases: deps.readSide.erasure, service: deps.erasure },
      events: {
        byId: async (id) => {
          const position = await deps.log.positionOf(id);
          if (position === null) return null;
          const [stored] = await deps.log.read(position, 1);
          return stored ? { position, event: stored.event } : null;
        },
        inclusionProof: (id) => deps.proofs.inclusion(id),
        latestCheckpoint: () => deps.checkpoints.latest(),
        readPersonal: async (eventId, subject) => {
          const read = {
            principal: who.id,
            role: who.role,
            resource: `gouvernail://events/${eventId}/personal`,
            action: 'read',
            subjects: [subject],
          } as const;
          let fields: Record<string, unknown>;
          try {
            fields = await deps.personal.read(eventId, subject);
          } catch (e) {
            deps.recorder.record({ ...read, decision: 'denied', reason: (e as Error).message });
            throw e;
          }
          // The plaintext leaves only once its read is in the log: a crash right after answering
          // must not leave a read nobody can see.
          try {
            await deps.recorder.recordDurably({ ...read, decision: 'allowed' });
          } catch {
            deps.recorder.record({
              ...read,
              decision: 'denied',
              reason: 'AUDIT_UNAVAILABLE: the read could not be recorded, so nothing was disclosed',
            });
            throw auditUnavailable('This read of personal fields');
          }
          return fields;
        },
      },
      recordQuery: (entry, { wait = true } = {}) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        deps.metrics.graphqlSeconds.observe(
          { operation: entry.label, outcome: entry.decision },
          seconds,
        );
        const record = {
          principal: who.id,
          role: who.role,
          resource: GRAPHQL_RESOURCE,
          action: 'query',
          decision: entry.decision,
          operation: entry.operation,
          ...(entry.reason ? { reason: entry.reason } : {}),
          ...(clientAddress ? { clientAddress } : {}),
        } as const;
        if (wait) return deps.recorder.recordDurably(record);
        deps.recorder.record(record);
        return Promise.resolve();
      },
    });
  };
