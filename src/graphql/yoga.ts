import {
  createYoga,
  type Plugin,
  type YogaServerInstance,
  type YogaServerOptions,
} from 'graphql-yoga';
import {
  getOperationAST,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type OperationDefinitionNode,
} from 'graphql/index.js';
import type { GraphQLContext, QueryAuditEntry } from '../../schema/context.js';
import { schema } from '../../schema/index.js';
import {
  defaultLimits,
  defaultPageSize,
  queryLimitsRule,
  unparsableDocumentProblem,
  type QueryLimits,
} from '../../schema/limits.js';
import { auditUnavailable, problem, refusalCodes } from '../../schema/problems.js';
import { startValueBudget } from '../../schema/value-budget.js';
import { useClippedErrors } from './clip-errors.js';
import { useUrlParams } from './request-params.js';
import { rootFieldsOf } from './root-fields.js';

export interface GraphQLHandlerOptions {
  /** Builds the context of one request (principal, read models, audit sink). */
  readonly context: (req: Request) => Promise<GraphQLContext>;
  /** Overrides of {@link defaultLimits}. */
  readonly limits?: Partial<QueryLimits>;
  /** Largest request body in bytes (default 1 MiB); larger gets 413 before it is parsed. */
  readonly maxRequestBytes?: number;
  /** GraphiQL on GET /graphql (default true). */
  readonly graphiql?: boolean;
  /** Unexpected errors are masked by default; pass false in development to see them. */
  readonly maskedErrors?: YogaServerOptions<
    Record<string, unknown>,
    GraphQLContext
  >['maskedErrors'];
  readonly logging?: YogaServerOptions<Record<string, unknown>, GraphQLContext>['logging'];
}

export type GraphQLHandler = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

const maxOperationText = 512;
const maxReasonText = 2048;

const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/**
 * `query Name { fieldA fieldB }`: what the auditors see of an operation, its top-level fields with
 * fragments expanded (see {@link rootFieldsOf}). Names come from the parsed document (GraphQL names:
 * letters, digits, `_`); the request's free-text `operationName` is never copied into the permanent
 * log.
 */
const describe = (
  op: OperationDefinitionNode | null,
  operationName: string | null | undefined,
  fields: readonly string[],
): string => {
  if (!op)
    return operationName ? '(named operation not found in document)' : '(no single operation)';
  return clip(
    `${op.operation} ${op.name?.value ?? '(anonymous)'} { ${fields.join(' ')} }`,
    maxOperationText,
  );
};

const codeOf = (e: GraphQLError): string => {
  const code = e.extensions.code;
  return typeof code === 'string' ? code : 'GRAPHQL_ERROR';
};

/**
 * What the audit record says of a refusal. The log is permanent and its reason is not sealed, so
 * only messages gouvernail writes itself (refusals naming fields, roles and limits) are kept; those
 * of GraphQL itself and of bad arguments quote the request (a variable's value can be a person's
 * e-mail address) and are recorded by their code alone. The caller still gets the whole message.
 */
const reasonOf = (errors: readonly GraphQLError[]): string =>
  clip(
    [
      ...new Set(
        errors.map((e) => {
          const code = codeOf(e);
          return refusalCodes.has(code) ? `${code}: ${e.message}` : `${code} (${unquoted})`;
        }),
      ),
    ].join('; '),
    maxReasonText,
  );
const unquoted = 'message not recorded: it can quote the request';

interface OperationState {
  readonly ctx: GraphQLContext;
  operation?: string;
  /** The first top-level field, set once the document validated (see QueryAuditEntry.label). */
  label?: string;
}

const INVALID_LABEL = 'invalid';

/** The label of an operation that validated but asks for no field (all skipped). */
const NO_FIELD_LABEL = 'none';

const isGraphiqlPage = (request: Request, response: Response): boolean =>
  request.method === 'GET' &&
  response.status === 200 &&
  (response.headers.get('content-type') ?? '').startsWith('text/html');

/**
 * Enforces the query limits as validation rules and reports every operation once to
 * `ctx.recordQuery`: denied when refused (parse or validation failure, limits, UNAUTHENTICATED,
 * FORBIDDEN), allowed otherwise. The context is built before validation, so refused queries are
 * recorded too. If recording throws, the request fails.
 */
const useQueryAudit = (
  contextOf: (req: Request) => Promise<GraphQLContext>,
  limits: QueryLimits,
): Plugin<Record<string, unknown>, Record<string, unknown>, GraphQLContext> => {
  const states = new WeakMap<Request, OperationState>();
  const recorded = new WeakSet<Request>();
  return {
    onParams: async ({ request }) => {
      states.set(request, { ctx: await contextOf(request) });
    },
    onParse: ({ params }) => {
      const given: unknown = params.source;
      const source =
        typeof given === 'string' ? given : ((given as { body?: string } | null)?.body ?? '');
      const refused = unparsableDocumentProblem(source);
      if (refused) throw refused;
    },
    onValidate: ({ addValidationRule, context, params }) => {
      addValidationRule(queryLimitsRule(limits, context.params.variables));
      const state = states.get(context.request);
      const document = params.documentAST as DocumentNode;
      const op = getOperationAST(document, context.params.operationName) ?? null;
      const fields = op ? rootFieldsOf(schema, document, op, context.params.variables) : [];
      if (state) state.operation = describe(op, context.params.operationName, fields);
      // graphql-js gives up comparing a document's selections past a work budget and says only
      // "Validation aborted.": say what is wrong, as the other limits do.
      return ({ result, setResult }) => {
        if (state && (result as readonly GraphQLError[]).length === 0)
          state.label = fields[0] ?? NO_FIELD_LABEL;
        if ((result as readonly GraphQLError[]).some((e) => e.message === 'Validation aborted.'))
          setResult([
            problem(
              'QUERY_TOO_COSTLY',
              'the document repeats the same fields too often to be validated: ask for each field once (aliases for the same field with other arguments)',
            ),
          ]);
      };
    },
    // The answer waits until its record is in the log: a crash right after answering must not leave
    // an access nobody can see. When the record cannot be stored, nothing of the answer is sent.
    onExecutionResult: async (payload) => {
      const { request, result } = payload;
      const state = states.get(request);
      if (!state) return;
      states.delete(request);
      recorded.add(request);
      const operation = state.operation ?? '(document not parsed)';
      const label = state.label ?? INVALID_LABEL;
      let entry: QueryAuditEntry = { operation, decision: 'allowed', label }; // streamed results (unused by this schema) too
      if (result && !(Symbol.asyncIterator in result)) {
        const { data, errors = [] } = result as ExecutionResult;
        const refused =
          data === undefined ? errors : errors.filter((e) => refusalCodes.has(codeOf(e)));
        if (refused.length > 0)
          entry = { operation, decision: 'denied', reason: reasonOf(refused), label };
      }
      try {
        await state.ctx.recordQuery(entry);
      } catch {
        const unavailable = auditUnavailable('This operation');
        await state.ctx.recordQuery(
          {
            ...entry,
            decision: 'denied',
            reason: entry.reason ?? `${codeOf(unavailable)}: ${unavailable.message}`,
          },
          { wait: false },
        );
        if (entry.decision === 'allowed') payload.setResult({ errors: [unavailable] });
      }
    },
    // Refused before any operation was read (a body that is no JSON or too large, no query, a batch,
    // variables that are no object, another content type), or failed unexpectedly: still an access
    // attempt, recorded by its HTTP status alone. GraphiQL's page is no access to anything.
    onResponse: async ({ request, response }) => {
      if (recorded.has(request) || isGraphiqlPage(request, response)) return;
      recorded.add(request);
      await (
        await contextOf(request)
      ).recordQuery(
        {
          operation: '(request not read)',
          decision: 'denied',
          reason: `HTTP_${response.status} (refused before its operation was read; ${unquoted})`,
          label: INVALID_LABEL,
        },
        { wait: false },
      );
    },
  };
};

/**
 * Counts what each operation produces while it runs (see {@link startValueBudget}); one that goes over
 * `limit` is answered with the budget error alone, no partial data.
 */
const useValueBudget = (
  limit: number,
): Plugin<Record<string, unknown>, Record<string, unknown>, GraphQLContext> => ({
  onExecute: ({ args }) => {
    const budget = startValueBudget(args.contextValue, limit);
    return {
      onExecuteDone: ({ setResult }: { setResult: (result: ExecutionResult) => void }) => {
        if (budget.exceeded) setResult({ errors: [budget.exceeded] });
      },
    };
  },
});

/**
 * The GraphQL endpoint: graphql-yoga over the Pothos schema at `/graphql`, GraphiQL on GET,
 * query limits checked before execution (and the value budget while it runs), every operation
 * recorded through `ctx.recordQuery`.
 */
export const createGraphQLHandler = (options: GraphQLHandlerOptions): GraphQLHandler => {
  const limits: QueryLimits = { ...defaultLimits, ...options.limits };
  if (limits.maxPageSize < defaultPageSize) {
    throw new RangeError(`maxPageSize must be at least the default page size (${defaultPageSize})`);
  }
  const contexts = new WeakMap<Request, Promise<GraphQLContext>>();
  const contextOf = (req: Request): Promise<GraphQLContext> => {
    let ctx = contexts.get(req);
    if (!ctx) {
      ctx = options.context(req);
      contexts.set(req, ctx);
    }
    return ctx;
  };
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql ?? true,
    landingPage: false,
    maskedErrors: options.maskedErrors ?? true,
    ...(options.logging === undefined ? {} : { logging: options.logging }),
    // Nothing in the schema takes an upload: a multipart request is refused (415) before it is read.
    multipart: false,
    // Limits depend on variables (page sizes, depths), so validation results must not be cached per
    // document; parsed documents are not cached either: yoga's cache is bounded by count, not size.
    parserAndValidationCache: false,
    maxRequestBodySize: options.maxRequestBytes ?? 1024 * 1024,
    context: ({ request }) => contextOf(request),
    plugins: [
      useUrlParams(),
      useValueBudget(limits.maxResolvedValues),
      useClippedErrors(),
      useQueryAudit(contextOf, limits),
    ],
  });
};
