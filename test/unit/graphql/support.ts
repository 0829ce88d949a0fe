import Database from 'better-sqlite3';
import { vi } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import type { Role } from '../../../domain/primitives.js';
import type { RecordedEnvelope } from '../../../domain/envelope.js';
import { accessHistoryChanges } from '../../../projections/access/evolve.js';
import { createSqliteAccessStore } from '../../../projections/access/sqlite/store.js';
import { configHistoryChanges } from '../../../projections/config/evolve.js';
import { createSqliteConfigStore } from '../../../projections/config/sqlite/store.js';
import { lineageGraph } from '../../../projections/lineage/evolve.js';
import { createSqliteErasureStore } from '../../../projections/erasure/sqlite/store.js';
import { createSqliteLineageStore } from '../../../projections/lineage/sqlite/store.js';
import type { GraphQLContext, QueryAuditEntry } from '../../../schema/context.js';
import type { QueryLimits } from '../../../schema/limits.js';
import { SealError } from '../../../src/crypto/seal.js';
import type { YogaLogger } from 'graphql-yoga';
import { createGraphQLHandler } from '../../../src/graphql/yoga.js';
import type { InclusionProofDocument } from '../../../src/proofs.js';
import { datasetClassified, lineageRunEvent, recorded, subjectId } from '../../support/events.js';

export const carol = subjectId('carol');
export const erased = subjectId('erased');
/** Reading this subject fails unexpectedly. */
export const broken = subjectId('broken');
const at = (minute: number): string => new Date(Date.UTC(2026, 5, 1, 8, minute)).toISOString();

export const accessEvents: AuditEvent[] = [0, 1, 2].map((i) =>
  recorded(
    'AccessRecorded',
    {
      principal: `alice`,
      resource: 'kafka://main/orders',
      action: 'read',
      decision: 'allowed',
      mechanism: 'kafka-acl',
    },
    { occurredAt: at(i), subjects: [carol] },
  ),
);

const configEvents: AuditEvent[] = [
  recorded('ConfigChanged', {
    component: 'kafka',
    target: 'orders.retention.ms',
    kind: 'retention',
    before: null,
    after: 1000,
  }),
  recorded('ConfigChanged', {
    component: 'kafka',
    target: 'orders.retention.ms',
    kind: 'retention',
    before: 1000,
    after: 2000,
  }),
];

const producer = 'https://github.com/OpenLineage/OpenLineage/tree/1.24.2/client/python';
const schemaURL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export const runId = '00000000-0000-4000-8000-000000000001';

/** raw.customers --clean--> clean.customers (email copied DIRECT); raw.customers.email is tagged pii:email. */
const lineageEvents: AuditEvent[] = [
  lineageRunEvent({
    eventType: 'COMPLETE',
    eventTime: at(10),
    producer,
    schemaURL,
    run: { runId },
    job: { namespace: 'spark', name: 'clean' },
    inputs: [{ namespace: 'lake', name: 'raw.customers' }],
    outputs: [
      {
        namespace: 'lake',
        name: 'clean.customers',
        facets: {
          columnLineage: {
            _producer: producer,
            _schemaURL: schemaURL,
            fields: {
              email: {
                inputFields: [
                  {
                    namespace: 'lake',
                    name: 'raw.customers',
                    field: 'email',
                    transformations: [{ type: 'DIRECT', subtype: 'IDENTITY' }],
                  },
                ],
              },
            },
          },
        },
      },
    ],
  }),
  datasetClassified({ namespace: 'lake', name: 'raw.customers' }, ['pii:email'], 'email'),
  datasetClassified({ namespace: 'lake', name: 'raw.customers' }, ['pii']),
];

export const event: RecordedEnvelope = {
  ...recorded('AccessRecorded', {
    principal: 'bob',
    resource: 'mongodb://crm/customers',
    action: 'read',
    decision: 'allowed',
    mechanism: 'mongo-role',
  }),
  id: 'evt-personal',
  subjects: [carol, erased, broken],
  sealed: {
    [carol]: { keyId: 'k1', fields: ['email'], commitment: 'a'.repeat(43) },
    [erased]: { keyId: 'k2', fields: ['email'], commitment: 'b'.repeat(43) },
    [broken]: { keyId: 'k3', fields: ['email'], commitment: 'c'.repeat(43) },
  },
};

/** An event no checkpoint covers yet. */
export const unproven: RecordedEnvelope = { ...event, id: 'evt-unproven', sealed: {} };

export const proof: InclusionProofDocument = {
  format: 'gouvernail-proof/v1',
  origin: 'gouvernail.test/log',
  eventId: 'evt-personal',
  entry: 'AAEC',
  leafIndex: 7,
  treeSize: 8,
  inclusion: ['aGFzaA=='],
  checkpoint: 'gouvernail.test/log\n8\nroot\n',
};

const project = async <C>(
  apply: (changes: readonly C[], position: number) => Promise<void>,
  changesOf: (e: AuditEvent, p: number) => readonly C[],
  events: readonly AuditEvent[],
) => {
  for (const [position, e] of events.entries()) await apply(changesOf(e, position), position);
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response JSON, walked freely by the tests
type Data = Record<string, any>;

export interface Harness {
  /** Runs one operation as `role` (anonymous when null); returns the HTTP status and JSON body. */
  query(
    role: Role | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{
    status: number;
    body: {
      data?: Data | null;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    };
  }>;
  readonly recorded: QueryAuditEntry[];
  /** Makes the self-audit's durable appends fail (a full disk), or work again. */
  readonly setAuditDown: (down: boolean) => void;
  readonly readPersonal: ReturnType<typeof vi.fn<GraphQLContext['events']['readPersonal']>>;
  readonly fetch: (req: Request) => Promise<Response> | Response;
}

/**
 * A dataset written by one run with `columns` columns (c0, c1, …), each tagged `pii` by the
 * OpenLineage tags facet: every column's tag has one origin, the column itself.
 */
export const wideDataset = (name: string, columns: number): AuditEvent => {
  const fields = Array.from({ length: columns }, (_, i) => ({ name: `c${i}`, type: 'string' }));
  return lineageRunEvent({
    eventType: 'COMPLETE',
    eventTime: at(20),
    producer,
    schemaURL,
    run: { runId: `00000000-0000-4000-9000-${String(columns).padStart(12, '0')}` },
    job: { namespace: 'spark', name: 'widen' },
    inputs: [],
    outputs: [
      {
        namespace: 'lake',
        name,
        facets: {
          schema: { _producer: producer, _schemaURL: schemaURL, fields },
          tags: {
            _producer: producer,
            _schemaURL: schemaURL,
            tags: fields.map((f) => ({ key: 'pii', value: 'email', field: f.name })),
          },
        },
      },
    ],
  });
};

/** The GraphQL handler over SQLite read models holding the events above, and `moreLineage`. */
export const harness = async (
  limits?: Partial<QueryLimits>,
  moreLineage: readonly AuditEvent[] = [],
  logging: YogaLogger | false = false,
): Promise<Harness> => {
  const db = new Database(':memory:');
  const access = createSqliteAccessStore({ db, now: () => new Date('2026-06-02T00:00:00Z') });
  const config = createSqliteConfigStore({ db });
  const lineage = createSqliteLineageStore({ db });
  await project((c, p) => access.apply(c, p), accessHistoryChanges, accessEvents);
  await project((c, p) => config.apply(c, p), configHistoryChanges, configEvents);
  await project((c, p) => lineage.apply(c, p), lineageGraph.changesFor, [
    ...lineageEvents,
    ...moreLineage,
  ]);

  const erasureCases = createSqliteErasureStore({ db });
  const refused = (caseId: string) =>
    Promise.resolve({ ok: false as const, error: { type: 'CaseNotFound' as const, caseId } });
  const erasureService: GraphQLContext['erasure']['service'] = {
    request: () =>
      Promise.resolve({
        ok: true,
        value: {
          caseId: 'case-1',
          canary: 'canary-1',
          receivedAt: '2026-06-01T00:00:00.000Z',
          dueAt: '2026-07-01T00:00:00.000Z',
          tasks: [],
        },
      }),
    extend: (caseId) => refused(caseId),
    exempt: (caseId) => refused(caseId),
    runBuiltinTasks: (caseId) => refused(caseId),
    reportTask: (caseId) => refused(caseId),
    certify: (caseId) => refused(caseId),
    certificate: () => Promise.resolve(null),
  };
  const recordedEntries: QueryAuditEntry[] = [];
  let auditDown = false;
  const readPersonal = vi.fn<GraphQLContext['events']['readPersonal']>((_eventId, subject) => {
    if (subject === erased)
      return Promise.reject(new SealError('key-destroyed', 'data key destroyed'));
    if (subject === broken) return Promise.reject(new Error('vault at 10.0.0.7 unreachable'));
    return Promise.resolve({ email: 'carol@example.org' });
  });
  const handler = createGraphQLHandler({
    graphiql: true,
    logging,
    ...(limits ? { limits } : {}),
    context: (req) => {
      const role = req.headers.get('x-test-role') as Role | null;
      return Promise.resolve({
        principal: role ? { id: `${role}-1`, role } : null,
        access,
        config,
        lineage,
        erasure: { cases: erasureCases, service: erasureService },
        events: {
          byId: (id) =>
            Promise.resolve(
              id === event.id
                ? { position: 7, event }
                : id === unproven.id
                  ? { position: 9, event: unproven }
                  : null,
            ),
          inclusionProof: (id) =>
            Promise.resolve(
              id === event.id
                ? proof
                : { code: 'no-checkpoint', message: 'no checkpoint covers this event yet' },
            ),
          latestCheckpoint: () => ({
            size: 8,
            root: new Uint8Array([1, 2, 3]),
            note: proof.checkpoint,
            publishedAt: '2026-06-01T09:00:00.000Z',
          }),
          readPersonal,
        },
        // While the audit log is down, a record waited for fails; a queued one is kept (retried).
        recordQuery: (entry, { wait = true } = {}) => {
          if (wait && auditDown) return Promise.reject(new Error('database or disk is full'));
          recordedEntries.push(entry);
          return Promise.resolve();
        },
      });
    },
  });
  return {
    recorded: recordedEntries,
    setAuditDown: (down) => {
      auditDown = down;
    },
    readPersonal,
    fetch: (req) => handler.fetch(req),
    query: async (role, query, variables) => {
      const res = await handler.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(role ? { 'x-test-role': role } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: res.status,
        body: (await res.json()) as Awaited<ReturnType<Harness['query']>>['body'],
      };
    },
  };
};

export const codes = (body: { errors?: { extensions?: Record<string, unknown> }[] }): unknown[] =>
  (body.errors ?? []).map((e) => e.extensions?.code);
