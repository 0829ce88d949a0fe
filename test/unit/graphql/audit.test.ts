import { beforeEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from './support.js';

describe('every operation is recorded once through ctx.recordQuery', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it('as allowed, with its type, name and top-level fields', async () => {
    await h.query(
      'auditor',
      'query Audit { checkpoint { size } cp: checkpoint { note } currentConfig { target } }',
    );
    expect(h.recorded).toEqual([
      {
        operation: 'query Audit { checkpoint currentConfig }',
        decision: 'allowed',
        label: 'checkpoint',
      },
    ]);
  });

  it('naming the fields that fragments ask for, as executed: @skip and @include applied', async () => {
    await h.query('auditor', '{ ... on Query { currentConfig { target } } }');
    await h.query(
      'auditor',
      'query Q($skip: Boolean!) { ...cp ... @skip(if: $skip) { configHistory { edges { cursor } } } } fragment cp on Query { checkpoint { size } }',
      { skip: true },
    );
    await h.query(
      'auditor',
      'query Q($skip: Boolean = false) { ... @skip(if: $skip) { configHistory { edges { cursor } } } }',
    );
    expect(h.recorded.map((r) => [r.operation, r.label])).toEqual([
      ['query (anonymous) { currentConfig }', 'currentConfig'],
      ['query Q { checkpoint }', 'checkpoint'],
      ['query Q { configHistory }', 'configHistory'],
    ]);
  });

  it('naming the field a fragment asks for when it is refused', async () => {
    await h.query(
      'analyst',
      'query checkpoint { ...checkpoint } fragment checkpoint on Query { checkpoint { size } }',
    );
    expect(h.recorded).toEqual([
      expect.objectContaining({ operation: 'query checkpoint { checkpoint }', decision: 'denied' }),
    ]);
  });

  it('as denied when a field is forbidden, naming the field and the role needed', async () => {
    await h.query('analyst', '{ checkpoint { size } }');
    expect(h.recorded).toEqual([
      {
        operation: 'query (anonymous) { checkpoint }',
        decision: 'denied',
        reason: 'FORBIDDEN: Query.checkpoint needs role auditor or admin; your role is analyst',
        label: 'checkpoint',
      },
    ]);
  });

  it('answers nothing when its record cannot be stored, and queues the refusal instead', async () => {
    h.setAuditDown(true);
    const res = await h.query('auditor', '{ currentConfig { target } }');
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        message:
          'This operation could not be recorded in the audit log, so nothing was disclosed; try again',
        extensions: expect.objectContaining({ code: 'AUDIT_UNAVAILABLE' }) as unknown,
      }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain('target');
    expect(h.recorded).toEqual([
      {
        operation: 'query (anonymous) { currentConfig }',
        decision: 'denied',
        reason:
          'AUDIT_UNAVAILABLE: This operation could not be recorded in the audit log, so nothing was disclosed; try again',
        label: 'currentConfig',
      },
    ]);
    h.setAuditDown(false);
    expect((await h.query('auditor', '{ currentConfig { target } }')).body.data).toBeTruthy();
  });

  it('keeps a refusal as it was when its record cannot be stored, queued for later', async () => {
    h.setAuditDown(true);
    const res = await h.query('analyst', '{ checkpoint { size } }');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(h.recorded).toEqual([
      expect.objectContaining({
        decision: 'denied',
        reason: expect.stringMatching(/^FORBIDDEN: /),
      }),
    ]);
  });

  it('as denied for anonymous callers', async () => {
    await h.query(null, '{ event(id: "evt-personal") { id } }');
    expect(h.recorded).toHaveLength(1);
    expect(h.recorded[0]).toMatchObject({
      decision: 'denied',
      reason: expect.stringMatching(/^UNAUTHENTICATED: /),
    });
  });

  it('as denied when a limit refuses it before execution', async () => {
    await h.query('auditor', 'query Big { configHistory(first: 1000) { edges { cursor } } }');
    expect(h.recorded).toEqual([
      {
        operation: 'query Big { configHistory }',
        decision: 'denied',
        label: 'invalid',
        reason:
          'PAGE_TOO_LARGE: Query.configHistory: first is 1000; the largest page is 500, use after: endCursor for more',
      },
    ]);
  });

  it('as denied when the document does not parse or validate', async () => {
    await h.query('auditor', '{ checkpoint { size }');
    await h.query('auditor', '{ checkpoint { nope } }');
    expect(h.recorded.map((r) => r.decision)).toEqual(['denied', 'denied']);
    expect(h.recorded[0]?.operation).toBe('(document not parsed)');
    expect(h.recorded[0]?.reason).toBe(
      'GRAPHQL_PARSE_FAILED (message not recorded: it can quote the request)',
    );
    expect(h.recorded[1]).toMatchObject({
      operation: 'query (anonymous) { checkpoint }',
      reason: 'GRAPHQL_VALIDATION_FAILED (message not recorded: it can quote the request)',
    });
  });

  it('without the operationName the request gave as free text, and with a bounded metrics label', async () => {
    const name = 'Camille Martin <camille.martin@example.org>';
    for (const query of ['{', '{ checkpoint { size } }', 'query A { checkpoint { size } }']) {
      const res = await h.fetch(
        new Request('http://localhost/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-test-role': 'auditor' },
          body: JSON.stringify({ query, operationName: name }),
        }),
      );
      expect(res.status).toBeLessThan(500);
    }
    expect(h.recorded).toHaveLength(3);
    expect(JSON.stringify(h.recorded)).not.toContain('Camille');
    expect(h.recorded.map((r) => r.label)).toEqual(['invalid', 'invalid', 'invalid']);
  });

  it('without the values a refused request quoted: the log is permanent and its reason not sealed', async () => {
    const email = 'jean.dupont@example.org';
    const res = await h.query(
      'auditor',
      'query($n: Int) { configHistory(first: $n) { edges { cursor } } }',
      { n: `Jean Dupont, ${email}` },
    );
    expect(JSON.stringify(res.body.errors)).toContain(email);
    expect(h.recorded).toHaveLength(1);
    expect(h.recorded[0]?.decision).toBe('denied');
    expect(JSON.stringify(h.recorded)).not.toContain(email);
    expect(JSON.stringify(h.recorded)).not.toContain('Dupont');
  });

  it('as denied when the document is nested too deep to parse', async () => {
    await h.query('auditor', `{ event(id: ${'['.repeat(1000)}1${']'.repeat(1000)}) { id } }`);
    expect(h.recorded).toHaveLength(1);
    expect(h.recorded[0]).toMatchObject({
      decision: 'denied',
      reason: expect.stringMatching(/^QUERY_TOO_DEEP: the document nests/),
    });
  });

  it('as allowed when a read-model call fails on bad input (access was granted)', async () => {
    await h.query('auditor', '{ configHistory(after: "garbage") { edges { cursor } } }');
    expect(h.recorded).toEqual([
      {
        operation: 'query (anonymous) { configHistory }',
        decision: 'allowed',
        label: 'configHistory',
      },
    ]);
  });

  it('once per request, over several requests', async () => {
    await h.query('auditor', '{ checkpoint { size } }');
    await h.query('dpo', '{ checkpoint { size } }');
    await h.query('admin', '{ checkpoint { size } }');
    expect(h.recorded.map((r) => r.decision)).toEqual(['allowed', 'denied', 'allowed']);
  });

  it('as denied when the request is refused before its operation is read, without its text', async () => {
    const statuses: number[] = [];
    for (const [type, body] of [
      ['application/json', '{"query": "{ checkpoint'],
      ['application/json', '[{"query":"{ checkpoint { size } }"}]'],
      ['application/json', '{"query": "{ checkpoint { size } }", "variables": 5}'],
      ['text/plain', '{"query": "{ checkpoint { size } }"}'],
    ] as const) {
      const res = await h.fetch(
        new Request('http://localhost/graphql', {
          method: 'POST',
          headers: { 'content-type': type, 'x-test-role': 'auditor' },
          body,
        }),
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([400, 400, 400, 415]);
    expect(h.recorded).toEqual(
      [400, 400, 400, 415].map((status) => ({
        operation: '(request not read)',
        decision: 'denied',
        reason: `HTTP_${status} (refused before its operation was read; message not recorded: it can quote the request)`,
        label: 'invalid',
      })),
    );
  });

  it('as denied whatever the status of a request that ran no operation', async () => {
    const operations = new FormData();
    operations.set('operations', '{bad');
    const asAuditor = { 'x-test-role': 'auditor', accept: 'application/json' };
    const json = { ...asAuditor, 'content-type': 'application/json' };
    const requests = [
      ['POST', json, '{}'],
      ['POST', json, '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}'],
      ['GET', asAuditor, undefined],
      ['GET', asAuditor, undefined, '?query=%7B__typename%7D&variables=%7Bbad'],
      ['POST', asAuditor, operations],
    ] as const;
    const statuses: number[] = [];
    for (const [method, headers, body, search = ''] of requests) {
      const res = await h.fetch(
        new Request(`http://localhost/graphql${search}`, { method, headers, body }),
      );
      statuses.push(res.status);
    }
    expect(h.recorded).toEqual(
      statuses.map((status) => ({
        operation: '(request not read)',
        decision: 'denied',
        reason: `HTTP_${status} (refused before its operation was read; message not recorded: it can quote the request)`,
        label: 'invalid',
      })),
    );
  });

  it('refuses a multipart request (nothing takes an upload) before reading it, and records it', async () => {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: '{ checkpoint { size } }' }));
    const res = await h.fetch(
      new Request('http://localhost/graphql', {
        method: 'POST',
        headers: { 'x-test-role': 'auditor', accept: 'application/json' },
        body: form,
      }),
    );
    expect(res.status).toBe(415);
    expect(h.recorded).toEqual([
      expect.objectContaining({ operation: '(request not read)', decision: 'denied' }),
    ]);
  });

  it('serves GraphiQL on GET without recording an operation', async () => {
    const res = await h.fetch(
      new Request('http://localhost/graphql', { headers: { accept: 'text/html' } }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/GraphiQL/i);
    expect(h.recorded).toEqual([]);
  });
});
