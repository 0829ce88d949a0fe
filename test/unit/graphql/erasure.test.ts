import { beforeAll, describe, expect, it } from 'vitest';
import { TokenRoles } from '../../../domain/primitives.js';
import { codes, harness, type Harness } from './support.js';

const operations = [
  'mutation { requestErasure(subject: "subj_AAAAAAAAAAAAAAAAAAAA", legalGround: "Art. 17(1)(b)") { caseId canary } }',
  'mutation { extendErasure(caseId: "c", months: 1, reason: "complex request") }',
  'mutation { recordErasureExemption(caseId: "c", category: "invoices", ground: LEGAL_OBLIGATION) }',
  'mutation { runBuiltinErasureTasks(caseId: "c") }',
  'mutation { reportErasureTask(caseId: "c", taskId: "t", outcome: ERASED, counts: { rows: 1 }) }',
  'mutation { certifyErasure(caseId: "c", canary: "x") { certificateSha256 } }',
  '{ erasureCase(caseId: "c") { status } }',
  '{ erasureCases(overdue: true) { caseId } }',
  '{ erasureCertificate(caseId: "c") }',
];

describe('GraphQL erasure operations', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });

  it.each(TokenRoles.filter((r) => r !== 'dpo' && r !== 'admin'))(
    'refuses every erasure operation to %s',
    async (role) => {
      for (const op of operations) {
        const { body } = await h.query(role, op);
        expect(codes(body)).toEqual(['FORBIDDEN']);
      }
    },
  );

  it('refuses anonymous callers', async () => {
    const { body } = await h.query(null, operations[0]!);
    expect(codes(body)).toEqual(['UNAUTHENTICATED']);
  });

  it('lets the DPO open a case and see the canary once', async () => {
    const { body } = await h.query('dpo', operations[0]!);
    expect(body.data).toEqual({ requestErasure: { caseId: 'case-1', canary: 'canary-1' } });
  });

  it('turns a refused command into ERASURE_REFUSED naming the reason', async () => {
    const { body } = await h.query('dpo', operations[1]!);
    expect(codes(body)).toEqual(['ERASURE_REFUSED']);
    expect(body.errors?.[0]?.message).toBe('case not found: {"caseId":"c"}');
    expect(body.errors?.[0]?.extensions?.reason).toBe('CaseNotFound');
  });

  it('answers null for an unknown case and an empty list of overdue cases', async () => {
    expect((await h.query('dpo', operations[6]!)).body.data).toEqual({ erasureCase: null });
    expect((await h.query('dpo', operations[7]!)).body.data).toEqual({ erasureCases: [] });
  });
});
