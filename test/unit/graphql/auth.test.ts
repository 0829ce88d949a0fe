import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../domain/primitives.js';
import { carol, codes, harness, runId, type Harness } from './support.js';

interface Case {
  readonly name: string;
  readonly query: string;
  readonly field: string;
  readonly allowed: Role;
  readonly refused: Role;
  /** Roles named in the FORBIDDEN message. */
  readonly needs: string;
}

const cases: Case[] = [
  {
    name: 'accessHistory by resource',
    field: 'accessHistory',
    query: '{ accessHistory(resource: "kafka://main/orders") { edges { node { principal } } } }',
    allowed: 'auditor',
    refused: 'dpo',
    needs: 'auditor or admin',
  },
  {
    name: 'accessHistory by subject',
    field: 'accessHistory',
    query: `{ accessHistory(subject: "${carol}") { edges { node { principal subject } } } }`,
    allowed: 'dpo',
    refused: 'auditor',
    needs: 'dpo or admin',
  },
  {
    name: 'configHistory',
    field: 'configHistory',
    query: '{ configHistory { edges { node { target after } } } }',
    allowed: 'auditor',
    refused: 'data_engineer',
    needs: 'auditor or admin',
  },
  {
    name: 'currentConfig',
    field: 'currentConfig',
    query: '{ currentConfig { target value } }',
    allowed: 'auditor',
    refused: 'analyst',
    needs: 'auditor or admin',
  },
  {
    name: 'lineage',
    field: 'lineage',
    query:
      '{ lineage(node: { kind: DATASET, namespace: "lake", name: "raw.customers" }) { nodes { name } edges { from { name } to { name } } } }',
    allowed: 'data_engineer',
    refused: 'auditor',
    needs: 'data_engineer, analyst or admin',
  },
  {
    name: 'columnLineage',
    field: 'columnLineage',
    query:
      '{ columnLineage(dataset: { namespace: "lake", name: "raw.customers" }, field: "email") { nodes { field } edges { carriesPii } } }',
    allowed: 'analyst',
    refused: 'dpo',
    needs: 'data_engineer, analyst or admin',
  },
  {
    name: 'dataset',
    field: 'dataset',
    query: '{ dataset(namespace: "lake", name: "raw.customers") { name fields { name } } }',
    allowed: 'analyst',
    refused: 'producer',
    needs: 'data_engineer, analyst or admin',
  },
  {
    name: 'job',
    field: 'job',
    query: '{ job(namespace: "spark", name: "clean") { name inputs { name } } }',
    allowed: 'data_engineer',
    refused: 'auditor',
    needs: 'data_engineer, analyst or admin',
  },
  {
    name: 'run',
    field: 'run',
    query: `{ run(id: "${runId}") { runId state job { name } } }`,
    allowed: 'data_engineer',
    refused: 'analyst',
    needs: 'data_engineer or admin',
  },
  {
    name: 'impact',
    field: 'impact',
    query:
      '{ impact(dataset: { namespace: "lake", name: "raw.customers" }) { datasets { dataset { name } } } }',
    allowed: 'data_engineer',
    refused: 'analyst',
    needs: 'data_engineer or admin',
  },
  {
    name: 'event',
    field: 'event',
    query: '{ event(id: "evt-personal") { id type position } }',
    allowed: 'auditor',
    refused: 'data_engineer',
    needs: 'auditor, dpo or admin',
  },
  {
    name: 'checkpoint',
    field: 'checkpoint',
    query: '{ checkpoint { size note } }',
    allowed: 'auditor',
    refused: 'dpo',
    needs: 'auditor or admin',
  },
];

describe('field-level authorisation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });

  describe.each(cases)('$name', (c) => {
    it(`answers ${c.allowed} and admin`, async () => {
      for (const role of [c.allowed, 'admin'] as const) {
        const { body } = await h.query(role, c.query);
        expect(body.errors).toBeUndefined();
        expect(body.data?.[c.field]).toBeTruthy();
      }
    });

    it(`refuses ${c.refused} with FORBIDDEN naming the roles needed`, async () => {
      const { body } = await h.query(c.refused, c.query);
      expect(body.data?.[c.field]).toBeNull();
      expect(codes(body)).toEqual(['FORBIDDEN']);
      expect(body.errors?.[0]?.message).toBe(
        `Query.${c.field} needs role ${c.needs}; your role is ${c.refused}`,
      );
    });

    it('refuses anonymous callers with UNAUTHENTICATED', async () => {
      const { body } = await h.query(null, c.query);
      expect(body.data?.[c.field]).toBeNull();
      expect(codes(body)).toEqual(['UNAUTHENTICATED']);
      expect(body.errors?.[0]?.message).toMatch(/needs authentication/);
    });
  });

  it('gives a producer nothing', async () => {
    const { body } = await h.query(
      'producer',
      '{ checkpoint { size } event(id: "evt-personal") { id } currentConfig { target } }',
    );
    expect(body.data).toEqual({ checkpoint: null, event: null, currentConfig: null });
    expect(codes(body)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
  });

  it('returns the fields a role may read beside the ones it may not', async () => {
    const { body } = await h.query(
      'auditor',
      '{ checkpoint { size } impact(dataset: { namespace: "lake", name: "raw.customers" }) { dataset { name } } }',
    );
    expect(body.data).toEqual({ checkpoint: { size: 8 }, impact: null });
    expect(codes(body)).toEqual(['FORBIDDEN']);
  });

  describe('PII tags', () => {
    const query =
      '{ dataset(namespace: "lake", name: "raw.customers") { tags { tag } fields { name tags { tag origins { field source } } } } }';

    it('are shown to data engineers', async () => {
      const { body } = await h.query('data_engineer', query);
      expect(body.errors).toBeUndefined();
      expect(body.data?.dataset.tags).toEqual([{ tag: 'pii' }]);
      expect(body.data?.dataset.fields).toContainEqual({
        name: 'email',
        tags: [{ tag: 'pii:email', origins: [{ field: 'email', source: 'CLASSIFICATION' }] }],
      });
    });

    it('resolve to null, without an error, for analysts', async () => {
      const { body } = await h.query('analyst', query);
      expect(body.errors).toBeUndefined();
      expect(body.data?.dataset.tags).toBeNull();
      expect(body.data?.dataset.fields.map((f: { tags: unknown }) => f.tags)).toEqual(
        body.data?.dataset.fields.map(() => null),
      );
    });
  });

  describe('personal(subject)', () => {
    const personal = `personal(subject: "${carol}") { __typename ... on PersonalFields { subject fields } }`;
    const query = `{ event(id: "evt-personal") { ${personal} } }`;

    it('decrypts for a dpo through ctx.events.readPersonal', async () => {
      h.readPersonal.mockClear();
      const { body } = await h.query('dpo', query);
      expect(body.errors).toBeUndefined();
      expect(body.data?.event.personal).toEqual({
        __typename: 'PersonalFields',
        subject: carol,
        fields: { email: 'carol@example.org' },
      });
      expect(h.readPersonal).toHaveBeenCalledExactlyOnceWith('evt-personal', carol);
    });

    it('is refused to an auditor, who may read the rest of the event, and nothing is decrypted', async () => {
      h.readPersonal.mockClear();
      const { body } = await h.query('auditor', `{ event(id: "evt-personal") { id ${personal} } }`);
      expect(body.data?.event).toEqual({ id: 'evt-personal', personal: null });
      expect(codes(body)).toEqual(['FORBIDDEN']);
      expect(body.errors?.[0]?.message).toBe(
        'Event.personal needs role dpo or admin; your role is auditor',
      );
      expect(h.readPersonal).not.toHaveBeenCalled();
    });
  });
});
