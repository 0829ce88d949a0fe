import { beforeAll, describe, expect, it } from 'vitest';
import { codes, harness, type Harness } from './support.js';

describe('error messages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  const huge = `subj_${'x'.repeat(300_000)}`;

  it('quote a huge argument shortened, not whole', async () => {
    const { body } = await h.query(
      'dpo',
      'mutation ($c: ID!) { extendErasure(caseId: $c, months: 1, reason: "late") }',
      { c: huge },
    );
    expect(codes(body)).toEqual(['ERASURE_REFUSED']);
    const message = body.errors?.[0]?.message ?? '';
    expect(message).toMatch(/^case not found: \{"caseId":"subj_x+…"\}$/);
    expect(message.length).toBeLessThan(300);
  });

  it('quote a huge bad variable shortened, keeping what is wrong with it', async () => {
    const { body } = await h.query(
      'auditor',
      'query ($t: DateTime) { accessHistory(resource: "kafka://main/orders", from: $t) { edges { cursor } } }',
      { t: huge },
    );
    expect(codes(body)).toEqual(['BAD_USER_INPUT']);
    const message = body.errors?.[0]?.message ?? '';
    expect(message).toContain('DateTime must be an RFC 3339 date-time');
    expect(message.length).toBeLessThan(1000);
  });
});
