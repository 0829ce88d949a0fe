import type { Logger } from 'pino';
import type { TokenVerifier } from './auth/jwt.js';
import type { CheckpointPublisher } from './checkpoint/publisher.js';
import type { CheckpointStore } from './checkpoint/store.js';
import type { Config } from './config.js';
import { AuthError } from './auth/jwt.js';
import { admitGraphqlRequest, GRAPHQL_RESOURCE } from './graphql/context.js';
import { CLIENT_CLOSED_REQUEST, isClientAbort } from './http/client-abort.js';
import { clientAddressOf } from './http/client-address.js';
import { authenticate, unauthorized } from './http/authenticate.js';
import { postEvents } from './http/events-route.js';
import { postLineage } from './http/lineage-route.js';
import { getConsistencyProof, getInclusionProof } from './http/proof-routes.js';
import { json, problem, text } from './http/respond.js';
import { storageFaultOf, storageProblem } from './http/storage-errors.js';
import type { Ingestor } from './ingest/ingest.js';
import type { Metrics } from './metrics.js';
import type { ProofService } from './proofs.js';
import type { AccessRecorder } from './query-recorder.js';

export interface AppDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly ingestor: Ingestor;
  readonly tokens: TokenVerifier;
  readonly checkpoints: CheckpointStore;
  readonly publisher: CheckpointPublisher;
  readonly proofs: ProofService;
  /** Verification keys: C2SP vkey lines and SPKI PEM. */
  readonly keys: { readonly vkey: string; readonly spkiPem: string };
  /** Why the service is not ready to serve, or undefined when it is. */
  readonly notReady: () => Promise<string | undefined>;
  /** The GraphQL endpoint (GraphiQL on GET), when the read side is wired. */
  readonly graphql?: { fetch(req: Request): Promise<Response> | Response };
  /**
   * Records GraphQL requests refused for their token (the others are recorded by the GraphQL
   * context) and reads of inclusion proofs.
   */
  readonly recorder?: AccessRecorder;
}

export interface App {
  fetch(req: Request): Promise<Response>;
}

type Handler = (req: Request, url: URL) => Promise<Response> | Response;

/** The resource reads of GET /v1/proof/inclusion are recorded on. */
export const INCLUSION_PROOF_RESOURCE = 'gouvernail://proof/inclusion';

/** Builds the HTTP app without listening; `main.ts` serves it, tests call `fetch`. */
export const createApp = (deps: AppDeps): App => {
  const routes: Record<string, Handler> = {
    'POST /v1/events': async (req) => {
      const who = await authenticate(req, deps.tokens, ['producer']);
      if (who instanceof Response) return who;
      return postEvents(req, { ingestor: deps.ingestor, ...limits(deps.config) });
    },
    'POST /api/v1/lineage': async (req) => {
      const who = await authenticate(req, deps.tokens, ['producer']);
      if (who instanceof Response) return who;
      return postLineage(req, {
        ingestor: deps.ingestor,
        ...limits(deps.config),
        submittedBy: who.id,
      });
    },
    'GET /v1/checkpoint': () => {
      const latest = deps.publisher.publish() ?? deps.checkpoints.latest();
      return latest
        ? text(latest.note)
        : problem(404, 'no-checkpoint', 'the log is empty: nothing to sign yet');
    },
    'GET /v1/checkpoints': () =>
      json({
        checkpoints: deps.checkpoints
          .all()
          .map((c) => ({ size: c.size, publishedAt: c.publishedAt, note: c.note })),
      }),
    'GET /v1/proof/inclusion': async (req, url) => {
      const clientAddress = clientAddressOf(req, deps.config.trustedProxies);
      // A refused request is recorded too, as GraphQL's are: without the id, which is then the
      // caller's free text.
      const who = await authenticate(req, deps.tokens, ['auditor', 'dpo'], (r) => {
        deps.recorder?.record({
          principal: r.principal?.id ?? 'anonymous',
          role: r.principal?.role ?? 'anonymous',
          resource: INCLUSION_PROOF_RESOURCE,
          action: 'read',
          decision: 'denied',
          reason: r.reason,
          ...(clientAddress ? { clientAddress } : {}),
        });
      });
      if (who instanceof Response) return who;
      const res = await getInclusionProof(url, deps.proofs);
      // The proof holds the whole entry: recorded like GraphQL's event(id). The id is recorded only
      // once it named an event of the log; otherwise it is the caller's free text.
      deps.recorder?.record({
        principal: who.id,
        role: who.role,
        resource: INCLUSION_PROOF_RESOURCE,
        action: 'read',
        decision: 'allowed',
        operation: res.ok
          ? `inclusion proof of event ${url.searchParams.get('id') ?? ''}`
          : `inclusion proof not served (HTTP ${res.status})`,
        ...(clientAddress ? { clientAddress } : {}),
      });
      return res;
    },
    'GET /v1/proof/consistency': (_req, url) => getConsistencyProof(url, deps.proofs),
    'GET /v1/keys': () => json({ vkey: deps.keys.vkey, spkiPem: deps.keys.spkiPem }),
    'GET /healthz': () => json({ status: 'ok' }),
    'GET /readyz': async () => {
      const why = await deps.notReady();
      return why === undefined ? json({ status: 'ready' }) : problem(503, 'not-ready', why);
    },
    'GET /metrics': async () =>
      text(await deps.metrics.registry.metrics(), 200, deps.metrics.registry.contentType),
  };
  const { graphql } = deps;
  if (graphql) {
    const serveGraphql: Handler = async (req) => {
      try {
        await admitGraphqlRequest(req, deps.tokens);
      } catch (e) {
        if (!(e instanceof AuthError)) throw e;
        // Refused before the operation is read, but still an access attempt the auditors see.
        const clientAddress = clientAddressOf(req, deps.config.trustedProxies);
        deps.recorder?.record({
          principal: 'anonymous',
          role: 'anonymous',
          resource: GRAPHQL_RESOURCE,
          action: 'query',
          decision: 'denied',
          reason: `unauthenticated (${e.reason}): ${e.message}`,
          ...(clientAddress ? { clientAddress } : {}),
        });
        return unauthorized(e);
      }
      const res = await graphql.fetch(req);
      // yoga answers an unsupported body type with an empty 415 and a large body with a bare
      // "Request body too large": say what it takes instead.
      if (res.status === 415) {
        const type = req.headers.get('content-type');
        return withCorsOf(
          res,
          problem(
            415,
            'unsupported-media-type',
            `use application/json (or GET with a query parameter)${type ? `, not ${type}` : ''}`,
          ),
        );
      }
      if (res.status === 413)
        return withCorsOf(
          res,
          problem(
            413,
            'payload-too-large',
            `a GraphQL request body may hold at most ${deps.config.maxGraphqlBytes} bytes (GOUVERNAIL_MAX_GRAPHQL_BYTES)`,
          ),
        );
      return res;
    };
    routes['GET /graphql'] = serveGraphql;
    routes['POST /graphql'] = serveGraphql;
  }
  const knownPaths = new Set(Object.keys(routes).map((k) => k.split(' ')[1]));

  return {
    fetch: async (req) => {
      const url = new URL(req.url);
      const route = routes[`${req.method} ${url.pathname}`];
      let res: Response;
      try {
        if (route) res = await route(req, url);
        else if (knownPaths.has(url.pathname))
          res = problem(
            405,
            'method-not-allowed',
            `${req.method} is not allowed on ${url.pathname}`,
          );
        else res = problem(404, 'not-found', `no route ${url.pathname}`);
      } catch (e) {
        const fault = storageFaultOf(e);
        if (isClientAbort(req, e)) {
          deps.log.debug({ path: url.pathname }, 'client closed the connection mid-request');
          res = problem(CLIENT_CLOSED_REQUEST, 'client-closed-request', 'the client went away');
        } else if (fault) {
          deps.log.warn({ err: e, path: url.pathname }, 'request refused: storage unavailable');
          res = storageProblem(fault);
        } else {
          deps.log.error({ err: e, path: url.pathname }, 'request failed');
          res = problem(500, 'internal', 'internal error; nothing partial was stored');
        }
      }
      deps.metrics.httpRequests.inc({
        route: route ? url.pathname : 'other',
        status: String(res.status),
      });
      return res;
    },
  };
};

/** `answer` with the CORS headers yoga gave `res`. */
const withCorsOf = (res: Response, answer: Response): Response => {
  res.headers.forEach((value, name) => {
    if (name.startsWith('access-control-')) answer.headers.set(name, value);
  });
  return answer;
};

const limits = (c: Config) => ({
  maxBatchBytes: c.maxBatchBytes,
  maxBatchEvents: c.maxBatchEvents,
});
