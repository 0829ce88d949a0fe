import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sparkTable, sparkTableName } from './contracts/symlinks.js';
import {
  cli,
  postEvents,
  removeDir,
  startServer,
  tempDir,
  tokenFor,
  waitForProjections,
  type RunningServer,
} from './cli.js';

const K = 'kafka://kafka-prod-eu:9092';
const M = 'mongodb://mongo-prod:27017';
const C = 'cassandra://cassandra-prod:9042';
const ordersRaw = { namespace: K, name: 'orders.raw' };
const camille = 'subj_demoCamille0000000001';

interface GqlResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * The GraphQL end-to-end suite: the real server (whatever read stores `env` selects) loaded with the
 * demo story, every query asked by a role that may and by one that may not, and bad tokens.
 */
export const graphqlEndToEnd = (name: string, env: () => Record<string, string>): void => {
  describe(`GraphQL end to end (${name})`, () => {
    let dir: string;
    let server: RunningServer;
    const tokens: Record<string, string> = {};

    const gql = async (
      token: string | null,
      query: string,
      variables: Record<string, unknown> = {},
    ): Promise<{ status: number; body: GqlResult }> => {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as GqlResult };
    };
    const as = async (
      role: string,
      query: string,
      variables: Record<string, unknown> = {},
    ): Promise<GqlResult> => {
      const r = await gql(tokens[role]!, query, variables);
      expect(r.status).toBe(200);
      return r.body;
    };
    const codes = (r: GqlResult): (string | undefined)[] =>
      (r.errors ?? []).map((e) => e.extensions?.code);

    beforeAll(async () => {
      dir = tempDir();
      server = await startServer(dir, env());
      for (const role of ['admin', 'auditor', 'data_engineer', 'dpo', 'analyst', 'producer'])
        tokens[role] = await tokenFor(dir, role);
      const demo = await cli(['demo', '--url', server.url, '--data-dir', dir]);
      expect(demo.stderr).toBe('');
      await waitForProjections(server.url);
    });
    afterAll(async () => {
      await server.stop();
      removeDir(dir);
    });

    describe('lineage', () => {
      const lineage = `query($node: NodeInput!, $direction: Direction, $depth: Int, $asOf: DateTime) {
        lineage(node: $node, direction: $direction, depth: $depth, asOf: $asOf) { nodes { kind namespace name } edges { from { name } to { name } } } }`;
      const names = (r: GqlResult): string[] =>
        ((r.data?.lineage as { nodes: { kind: string; name: string }[] }).nodes ?? [])
          .filter((n) => n.kind === 'DATASET')
          .map((n) => n.name)
          .sort();

      it('walks downstream from a Kafka topic through the Spark jobs to MongoDB and Cassandra', async () => {
        const r = await as('data_engineer', lineage, {
          node: { kind: 'DATASET', ...ordersRaw },
          direction: 'DOWNSTREAM',
          depth: 3,
        });
        expect(names(r)).toEqual([
          'analytics.orders_clean',
          'analytics.revenue_daily',
          'analytics.sessions_by_customer',
          'orders.raw',
        ]);
        const up = await as('analyst', lineage, {
          node: { kind: 'DATASET', namespace: C, name: 'analytics.sessions_by_customer' },
          direction: 'UPSTREAM',
          depth: 5,
        });
        expect(names(up)).toEqual([
          'analytics.orders_clean',
          'analytics.sessions_by_customer',
          'clickstream.raw',
          'orders.raw',
        ]);
      });

      it('answers as of a past instant: a job that ran later is absent', async () => {
        const r = await as('data_engineer', lineage, {
          node: { kind: 'DATASET', ...ordersRaw },
          depth: 3,
          asOf: '2026-11-02T06:05:00Z',
        });
        expect(names(r)).toEqual(['analytics.orders_clean', 'orders.raw']);
      });

      it('refuses roles without lineage rights', async () => {
        const r = await as('auditor', lineage, { node: { kind: 'DATASET', ...ordersRaw } });
        expect(codes(r)).toEqual(['FORBIDDEN']);
      });

      it('refuses a walk deeper than the limit with a clear code', async () => {
        const r = await as('data_engineer', lineage, {
          node: { kind: 'DATASET', ...ordersRaw },
          depth: 500,
        });
        expect(codes(r)).toEqual(['LINEAGE_TOO_DEEP']);
      });
    });

    describe('datasets, columns, jobs, runs and impact', () => {
      it('shows propagated PII tags on columns to a data engineer and hides them from an analyst', async () => {
        const q = `query($ns: String!, $n: String!) { dataset(namespace: $ns, name: $n) { name fields { name tags { tag } } } }`;
        const r = await as('data_engineer', q, { ns: M, n: 'analytics.orders_clean' });
        const fields = (
          r.data?.dataset as { fields: { name: string; tags: { tag: string }[] | null }[] }
        ).fields;
        expect(fields.find((f) => f.name === 'customer_email')?.tags?.map((t) => t.tag)).toEqual([
          'pii.email',
        ]);
        expect(fields.find((f) => f.name === 'amount')?.tags).toEqual([]);
        const hidden = await as('analyst', q, { ns: M, n: 'analytics.orders_clean' });
        expect(
          (hidden.data?.dataset as { fields: { tags: unknown }[] }).fields.every(
            (f) => f.tags === null,
          ),
        ).toBe(true);
        expect(codes(await as('producer', q, { ns: M, n: 'analytics.orders_clean' }))).toEqual([
          'FORBIDDEN',
        ]);
      });

      it('traces a column and lists the impact of a change with the PII that reaches each column', async () => {
        const col = await as(
          'data_engineer',
          `{ columnLineage(dataset: { namespace: "${K}", name: "orders.raw" }, field: "customer_email", depth: 3) { nodes { dataset { name } field } } }`,
        );
        const cols = (
          col.data?.columnLineage as { nodes: { dataset: { name: string }; field: string }[] }
        ).nodes.map((n) => `${n.dataset.name}.${n.field}`);
        expect(cols).toContain('analytics.orders_clean.customer_email');
        expect(
          codes(
            await as(
              'auditor',
              `{ columnLineage(dataset: { namespace: "${K}", name: "orders.raw" }, field: "customer_email") { nodes { field } } }`,
            ),
          ),
        ).toEqual(['FORBIDDEN']);

        const impact = await as(
          'data_engineer',
          `{ impact(dataset: { namespace: "${K}", name: "orders.raw" }) { datasets { dataset { name } } columns { column { dataset { name } field } tags { tag } } } }`,
        );
        const tagged = (
          impact.data?.impact as {
            columns: {
              column: { dataset: { name: string }; field: string };
              tags: { tag: string }[];
            }[];
          }
        ).columns
          .filter((c) => c.tags.length > 0)
          .map(
            (c) =>
              `${c.column.dataset.name}.${c.column.field}:${c.tags.map((t) => t.tag).join(',')}`,
          );
        expect(tagged).toEqual(['analytics.orders_clean.customer_email:pii.email']);
        expect(
          codes(
            await as(
              'analyst',
              `{ impact(dataset: { namespace: "${K}", name: "orders.raw" }) { datasets { distance } } }`,
            ),
          ),
        ).toEqual(['FORBIDDEN']);
      });

      it('shows a job and its latest run', async () => {
        const job = await as(
          'data_engineer',
          `{ job(namespace: "spark://analytics", name: "dedupe_clean_orders") { inputs { name } outputs { name } latestRun { runId } } }`,
        );
        const j = job.data?.job as {
          inputs: { name: string }[];
          outputs: { name: string }[];
          latestRun: { runId: string };
        };
        expect(j.inputs.map((i) => i.name)).toEqual(['orders.raw']);
        expect(j.outputs.map((o) => o.name)).toEqual(['analytics.orders_clean']);
        const run = await as(
          'data_engineer',
          `{ run(id: "${j.latestRun.runId}") { state startedAt endedAt } }`,
        );
        expect(run.data?.run).toMatchObject({
          state: 'COMPLETED',
          startedAt: '2026-11-02T06:00:00.000Z',
        });
        expect(codes(await as('analyst', `{ run(id: "${j.latestRun.runId}") { state } }`))).toEqual(
          ['FORBIDDEN'],
        );
      });
    });

    describe('a Spark table known by its table name (symlinks facet)', () => {
      it('finds the table, its copies and the PII classified under its name, and erasure targets them', async () => {
        for (const name of ['spark-table-write.json', 'spark-table-read.json']) {
          const res = await fetch(`${server.url}/api/v1/lineage`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${tokens.producer!}`,
            },
            body: readFileSync(new URL(`../fixtures/openlineage/${name}`, import.meta.url), 'utf8'),
          });
          expect(res.status).toBeLessThan(300);
        }
        const classified = await postEvents(server.url, dir, [
          {
            id: 'e2e-classify-cust-tbl',
            type: 'DatasetClassified',
            schemaVersion: 1,
            occurredAt: '2026-12-06T07:00:00Z',
            producer: 'dpo-tool',
            actor: { principal: 'User:dpo', role: 'dpo' },
            subjects: [],
            data: { dataset: sparkTableName, field: 'email', tags: ['pii:email'] },
          },
        ]);
        expect(classified.status).toBeLessThan(300);
        await waitForProjections(server.url);

        const byName = await as(
          'data_engineer',
          `query($ns: String!, $n: String!, $path: String!) {
            dataset(namespace: $ns, name: $n) { name }
            impact(dataset: { namespace: $ns, name: $n }) { dataset { name } columns { column { dataset { name } field } tags { tag } } }
            lineage(node: { kind: DATASET, namespace: $ns, name: $n }, direction: DOWNSTREAM) { nodes { name } }
            path: dataset(namespace: "file", name: $path) { symlinks { namespace name } fields { name tags { tag } } }
          }`,
          { ns: sparkTableName.namespace, n: sparkTableName.name, path: sparkTable.name },
        );
        expect(byName.data).toMatchObject({
          dataset: { name: sparkTable.name },
          impact: {
            dataset: { name: sparkTable.name },
            columns: [
              {
                column: { dataset: { name: '/lake/from_tbl' }, field: 'EMAIL' },
                tags: [{ tag: 'pii:email' }],
              },
            ],
          },
          path: {
            symlinks: [sparkTableName],
            fields: [
              { name: 'id', tags: [] },
              { name: 'email', tags: [{ tag: 'pii:email' }] },
            ],
          },
        });
        expect(
          (byName.data?.lineage as { nodes: { name: string }[] }).nodes.map((n) => n.name),
        ).toContain('/lake/from_tbl');

        const opened = await as(
          'dpo',
          `mutation { requestErasure(subject: "subj_symlinkE2e000000001", legalGround: "Art. 17(1)(b)") { caseId } }`,
        );
        const { caseId } = opened.data?.requestErasure as { caseId: string };
        // The case is read from its read model, which follows the log (MongoDB: not atomically).
        await waitForProjections(server.url);
        const found = await as('dpo', `{ erasureCase(caseId: "${caseId}") { tasks { target } } }`);
        const targets = (found.data?.erasureCase as { tasks: { target: string }[] }).tasks
          .map((t) => t.target)
          .filter((t) => t.startsWith('file:'));
        expect(targets).toEqual([
          'file://lake/from_tbl',
          'file://lake/warehouse/cust_tbl',
          'file:/lake/warehouse://default.cust_tbl',
        ]);
      });
    });

    describe('access and configuration history', () => {
      it('lists who read a topic, allowed and denied, newest first, with paging', async () => {
        const q = `query($after: String) { accessHistory(resource: "kafka://kafka-prod-eu/orders.raw", first: 1, after: $after) { edges { node { principal decision } } pageInfo { hasNextPage endCursor } } }`;
        const page1 = await as('auditor', q);
        const c1 = page1.data?.accessHistory as {
          edges: { node: { principal: string; decision: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
        expect(c1.edges.map((e) => [e.node.principal, e.node.decision])).toEqual([
          ['lea.analyst', 'DENIED'],
        ]);
        expect(c1.pageInfo.hasNextPage).toBe(true);
        const page2 = await as('auditor', q, { after: c1.pageInfo.endCursor });
        const c2 = page2.data?.accessHistory as typeof c1;
        expect(c2.edges.map((e) => e.node.principal)).toEqual(['User:spark-analytics']);
        expect(c2.pageInfo.hasNextPage).toBe(false);
        expect(codes(await as('data_engineer', q))).toEqual(['FORBIDDEN']);
      });

      it("gives a subject's access history to the DPO only", async () => {
        const q = `{ accessHistory(subject: "${camille}") { edges { node { resource } } } }`;
        const r = await as('dpo', q);
        const resources = (
          r.data?.accessHistory as { edges: { node: { resource: string } }[] }
        ).edges
          .map((e) => e.node.resource)
          .sort();
        expect(resources).toEqual([
          'cassandra://analytics/sessions_by_customer',
          'kafka://kafka-prod-eu/orders.raw',
          'mongodb://analytics/orders_clean',
        ]);
        expect(codes(await as('auditor', q))).toEqual(['FORBIDDEN']);
      });

      it('shows a retention change with its diff, and the current value', async () => {
        const r = await as(
          'auditor',
          `{ configHistory(component: "kafka", target: "topic/orders.raw") { edges { node { eventId changeRef diff { path op before after } } } } }`,
        );
        const history = (r.data?.configHistory as { edges: { node: { eventId: string } }[] }).edges;
        expect(history.map((e) => e.node)).toEqual([
          {
            eventId: expect.any(String) as string,
            changeRef: 'MR-1423',
            diff: [
              { path: '/retention.ms', op: 'REPLACE', before: '604800000', after: '259200000' },
            ],
          },
        ]);
        const current = await as(
          'auditor',
          `{ currentConfig(component: "kafka") { target value eventId } }`,
        );
        // The current value names the change that set it, whose proof an auditor can then fetch.
        expect(current.data?.currentConfig).toContainEqual({
          target: 'topic/orders.raw',
          value: { 'retention.ms': '259200000' },
          eventId: history[0]!.node.eventId,
        });
        expect(
          codes(await as('analyst', `{ configHistory { edges { node { target } } } }`)),
        ).toEqual(['FORBIDDEN']);
        expect(codes(await as('data_engineer', `{ currentConfig { target } }`))).toEqual([
          'FORBIDDEN',
        ]);
      });
    });

    describe('events, proofs and personal fields', () => {
      it('serves an event with an inclusion proof the CLI verifies offline', async () => {
        const r = await as(
          'auditor',
          `{ event(id: "demo:spark-reads-orders") { type position inclusionProof { ... on InclusionProof { format origin eventId entry leafIndex treeSize inclusion checkpoint } } } checkpoint { size note } }`,
        );
        const ev = r.data?.event as { type: string; inclusionProof: Record<string, unknown> };
        expect(ev.type).toBe('AccessRecorded');
        const keys = (await (await fetch(`${server.url}/v1/keys`)).json()) as { vkey: string };
        const { writeFileSync } = await import('node:fs');
        writeFileSync(join(dir, 'proof.json'), JSON.stringify(ev.inclusionProof));
        writeFileSync(join(dir, 'log.vkey'), keys.vkey);
        const v = await cli([
          'verify-proof',
          join(dir, 'proof.json'),
          '--key',
          join(dir, 'log.vkey'),
        ]);
        expect(v.stdout).toMatch(/^OK: event demo:spark-reads-orders is leaf/);
        expect(
          codes(await as('analyst', `{ event(id: "demo:spark-reads-orders") { type } }`)),
        ).toEqual(['FORBIDDEN']);
        expect(codes(await as('analyst', `{ checkpoint { size } }`))).toEqual(['FORBIDDEN']);
      });

      it('decrypts personal fields for the DPO only, and records the read', async () => {
        const q = `{ event(id: "demo:spark-reads-orders") { personal(subject: "${camille}") { ... on PersonalFields { fields } ... on Error { code } } } }`;
        const r = await as('dpo', q);
        expect(r.data?.event).toEqual({
          personal: { fields: { email: 'camille.martin@example.org' } },
        });
        expect(codes(await as('auditor', q))).toEqual(['FORBIDDEN']);
        await new Promise((res) => setTimeout(res, 500));
        await waitForProjections(server.url);
        const audit = await as(
          'dpo',
          `{ accessHistory(subject: "${camille}", first: 50) { edges { node { resource principal decision } } } }`,
        );
        expect(
          (
            audit.data?.accessHistory as {
              edges: { node: { resource: string; principal: string } }[];
            }
          ).edges.map((e) => e.node),
        ).toContainEqual({
          resource: 'gouvernail://events/demo:spark-reads-orders/personal',
          principal: 'test-dpo',
          decision: 'ALLOWED',
        });
      });
    });

    describe('authentication and limits', () => {
      const secret = (): Uint8Array =>
        new TextEncoder().encode(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim());
      const sign = (claims: Record<string, unknown>, key: Uint8Array, exp: number) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('mallory')
          .setIssuer('gouvernail')
          .setAudience('gouvernail')
          .setExpirationTime(exp)
          .sign(key);

      it('answers 401 to an expired token, a token signed with another key and alg none', async () => {
        const expired = await sign({ role: 'admin' }, secret(), Math.floor(Date.now() / 1000) - 60);
        const wrongKey = await sign(
          { role: 'admin' },
          new TextEncoder().encode('x'.repeat(48)),
          Math.floor(Date.now() / 1000) + 600,
        );
        const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', role: 'admin', iss: 'gouvernail', aud: 'gouvernail', exp: 9_999_999_999 })}.`;
        for (const [token, reason] of [
          [expired, 'expired'],
          [wrongKey, 'bad-signature'],
          [none, 'unsupported-algorithm'],
        ] as const) {
          const r = await gql(token, '{ checkpoint { size } }');
          expect(r.status).toBe(401);
          expect((r.body as unknown as { error: { code: string } }).error.code).toBe(
            `unauthenticated:${reason}`,
          );
        }
      });

      it('answers 401, not 500, to a forged token whose critical header names hold any text, and never echoes it', async () => {
        const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        for (const name of ['a\nb', '\u0100', 'x"y', 'jean.dupont@example.org']) {
          const token = `${b64({ alg: 'HS256', crit: [name], [name]: 1 })}.${b64({ sub: 'x', role: 'admin', iss: 'gouvernail', aud: 'gouvernail', exp: 9_999_999_999 })}.AAAA`;
          for (const [method, path] of [
            ['POST', '/graphql'],
            ['POST', '/v1/events'],
            ['GET', '/v1/proof/inclusion?id=x'],
          ] as const) {
            const res = await fetch(`${server.url}${path}`, {
              method,
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              ...(method === 'POST' ? { body: '{"query":"{ __typename }"}' } : {}),
            });
            const text = await res.text();
            expect(res.status, `${method} ${path} with crit ${JSON.stringify(name)}`).toBe(401);
            expect(res.headers.get('www-authenticate')).toMatch(
              /^Bearer error="invalid_token", error_description="[^"]*"$/,
            );
            expect(text).not.toContain('jean.dupont');
          }
        }
      });

      it('answers a body it cannot read with 415 naming what it takes', async () => {
        const res = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${tokens['auditor']!}`,
            'content-type': 'text/plain',
            origin: 'https://dashboard.example.org',
          },
          body: '{ checkpoint { size } }',
        });
        expect(res.status).toBe(415);
        // A browser on another origin can still read why.
        expect(res.headers.get('access-control-allow-origin')).not.toBeNull();
        expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
          'use application/json (or GET with a query parameter), not text/plain',
        );
      });

      it('refuses anonymous callers field by field', async () => {
        const r = await gql(null, '{ checkpoint { size } }');
        expect(r.status).toBe(200);
        expect(codes(r.body)).toEqual(['UNAUTHENTICATED']);
      });

      it('refuses deep, costly, aliased and huge-page queries before running them', async () => {
        const deep = await as(
          'data_engineer',
          `{ impact(dataset: { namespace: "${K}", name: "orders.raw" }) { columns { column { dataset { dataset { fields { tags { origins { dataset { dataset { tags { origins { field } } } } } } } } } } } } }`,
        );
        expect(codes(deep)).toEqual(['QUERY_TOO_DEEP']);
        const bomb = await gql(
          null,
          '{ __schema { types { fields { type { fields { type { fields { type { fields { type { fields { name } } } } } } } } } } } }',
        );
        expect(codes(bomb.body)).toContain('QUERY_TOO_DEEP');
        const fields =
          'time position eventId principal role resource action decision mechanism clientAddress operation subject';
        expect(
          codes(
            await as(
              'admin',
              `{ accessHistory(resource: "x", first: 500) { edges { cursor node { ${fields} } } } }`,
            ),
          ),
        ).toEqual(['QUERY_TOO_COSTLY']);
        expect(
          codes(
            await as(
              'admin',
              '{ accessHistory(resource: "x", first: 100000) { edges { cursor } } }',
            ),
          ),
        ).toContain('PAGE_TOO_LARGE');
        const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: checkpoint { size }`).join(
          ' ',
        );
        expect(codes(await as('admin', `{ ${aliases} }`))).toEqual(['TOO_MANY_ALIASES']);
      });

      it('refuses before running a query whose columns lead back to every column of their dataset', async () => {
        const fields = Array.from({ length: 60 }, (_, i) => ({ name: `c${i}`, type: 'string' }));
        const facet = {
          _producer: 'https://example.org/e2e',
          _schemaURL: 'https://example.org/facet.json',
        };
        const res = await fetch(`${server.url}/api/v1/lineage`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${tokens.producer!}`,
          },
          body: JSON.stringify({
            eventType: 'COMPLETE',
            eventTime: '2026-12-07T08:00:00Z',
            run: { runId: '01934f6e-0000-7000-8000-000000000060' },
            job: { namespace: 'e2e', name: 'widen' },
            outputs: [
              {
                namespace: 'e2e',
                name: 'wide',
                facets: {
                  schema: { ...facet, fields },
                  tags: {
                    ...facet,
                    tags: fields.map((f) => ({ key: 'pii', value: 'email', field: f.name })),
                  },
                },
              },
            ],
            producer: 'https://example.org/e2e',
            schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent',
          }),
        });
        expect(res.status).toBeLessThan(300);
        await waitForProjections(server.url);
        const aliased = (selection: string, count = 30) =>
          `{ ${Array.from({ length: count }, (_, i) => `d${i}: dataset(namespace: "e2e", name: "wide") { ${selection} }`).join(' ')} }`;
        // Depth 10 and 30 aliases, within those limits: every column's tag leads back to all 60 columns.
        const amplified = await as(
          'data_engineer',
          aliased(
            'fields { tags { origins { dataset { dataset { fields { tags { origins { field } } } } } } } }',
          ),
        );
        expect(amplified.data).toBeUndefined();
        expect(codes(amplified)).toEqual(['QUERY_TOO_COSTLY']);
        expect(amplified.errors?.[0]?.message).toMatch(
          /^the operation is estimated to cost more than 5000/,
        );
        const columns = await as(
          'data_engineer',
          aliased('fields { name tags { tag origins { dataset { name } field } } }', 1),
        );
        expect(columns.errors).toBeUndefined();
        expect((columns.data?.d0 as { fields: unknown[] }).fields).toHaveLength(60);
      });

      it('records every GraphQL request, allowed or refused, as an access event', async () => {
        const forged = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${tokens['admin']!.slice(0, -4)}AAAA`,
            'x-forwarded-for': '203.0.113.77',
          },
          body: JSON.stringify({ query: '{ checkpoint { size } }' }),
        });
        expect(forged.status).toBe(401);
        await new Promise((res) => setTimeout(res, 500));
        await waitForProjections(server.url);
        const r = await as(
          'auditor',
          '{ accessHistory(resource: "gouvernail://graphql", first: 200) { edges { node { principal decision operation clientAddress } } } }',
        );
        const rows = (
          r.data?.accessHistory as {
            edges: {
              node: { principal: string; decision: string; clientAddress: string | null };
            }[];
          }
        ).edges.map((e) => e.node);
        // The request with a forged token was refused before GraphQL ran, and is still recorded,
        // from the socket's address: with no trusted proxy configured, X-Forwarded-For is not believed.
        expect(rows).toContainEqual(
          expect.objectContaining({
            principal: 'anonymous',
            decision: 'DENIED',
            clientAddress: '127.0.0.1',
          }),
        );
        expect(rows.map((n) => n.clientAddress)).not.toContain('203.0.113.77');
        expect(rows.some((n) => n.principal === 'test-analyst' && n.decision === 'DENIED')).toBe(
          true,
        );
        expect(
          rows.some((n) => n.principal === 'test-data_engineer' && n.decision === 'ALLOWED'),
        ).toBe(true);
        expect(rows.some((n) => n.principal === 'anonymous' && n.decision === 'DENIED')).toBe(true);
      });
    });
  });
};
