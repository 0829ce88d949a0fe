import { beforeAll, describe, expect, it } from 'vitest';
import { broken, carol, codes, erased, harness, proof, runId, type Harness } from './support.js';

describe('resolvers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });

  describe('accessHistory', () => {
    const page = (after?: string) =>
      h.query(
        'auditor',
        'query ($after: String) { accessHistory(resource: "kafka://main/orders", first: 2, after: $after) { edges { cursor node { time eventId action decision } } pageInfo { endCursor hasNextPage } } }',
        { after },
      );

    it('pages newest first with Relay cursors', async () => {
      const first = await page();
      const conn = first.body.data?.accessHistory;
      expect(conn.edges.map((e: { node: { time: string } }) => e.node.time)).toEqual([
        '2026-06-01T08:02:00.000Z',
        '2026-06-01T08:01:00.000Z',
      ]);
      expect(conn.edges[0].node).toMatchObject({ action: 'READ', decision: 'ALLOWED' });
      expect(conn.pageInfo).toEqual({ endCursor: conn.edges[1].cursor, hasNextPage: true });
      const second = await page(conn.pageInfo.endCursor);
      expect(
        second.body.data?.accessHistory.edges.map((e: { node: { time: string } }) => e.node.time),
      ).toEqual(['2026-06-01T08:00:00.000Z']);
      expect(second.body.data?.accessHistory.pageInfo.hasNextPage).toBe(false);
    });

    it('filters by subject for a dpo and by time window', async () => {
      const { body } = await h.query(
        'dpo',
        `{ accessHistory(subject: "${carol}", from: "2026-06-01T10:00:30+02:00", to: "2026-06-01T08:02:00Z") { edges { node { time subject } } } }`,
      );
      expect(body.data?.accessHistory.edges).toEqual([
        { node: { time: '2026-06-01T08:01:00.000Z', subject: carol } },
      ]);
    });

    it('answers BAD_USER_INPUT for no or several selectors, bad cursors and bad dates', async () => {
      for (const args of [
        'first: 1',
        'resource: "kafka://main/orders", principal: "alice"',
        'resource: "kafka://main/orders", after: "nope"',
        'resource: "x://y", from: "yesterday"',
        // Dates that do not exist are refused, not moved to 2 March or the next day.
        'resource: "x://y", from: "2026-02-30T10:00:00Z"',
        'resource: "x://y", from: "2026-02-28T24:00:00Z"',
      ]) {
        const { body } = await h.query('admin', `{ accessHistory(${args}) { edges { cursor } } }`);
        expect(codes(body), args).toEqual(['BAD_USER_INPUT']);
      }
    });
  });

  it('configHistory and currentConfig show changes with diffs and current values', async () => {
    const { body } = await h.query(
      'auditor',
      '{ configHistory(component: "kafka") { edges { node { kind before after diff { path op before after } actor { role } } } } currentConfig { target value } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.configHistory.edges[0].node).toEqual({
      kind: 'RETENTION',
      before: 1000,
      after: 2000,
      diff: [{ path: '', op: 'REPLACE', before: 1000, after: 2000 }],
      actor: { role: 'SYSTEM' },
    });
    expect(body.data?.currentConfig).toEqual([{ target: 'orders.retention.ms', value: 2000 }]);
  });

  it('lineage walks datasets and jobs, and loads a referenced dataset', async () => {
    const { body } = await h.query(
      'data_engineer',
      '{ lineage(node: { kind: DATASET, namespace: "lake", name: "raw.customers" }, depth: 1) { nodes { kind name } edges { from { name } to { name } } } job(namespace: "spark", name: "clean") { outputs { name dataset { fields { name } } } latestRun { runId state } } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.lineage.nodes).toEqual(
      expect.arrayContaining([
        { kind: 'DATASET', name: 'raw.customers' },
        { kind: 'JOB', name: 'clean' },
        { kind: 'DATASET', name: 'clean.customers' },
      ]),
    );
    expect(body.data?.lineage.edges).toHaveLength(2);
    expect(body.data?.job).toEqual({
      outputs: [{ name: 'clean.customers', dataset: { fields: [{ name: 'email' }] } }],
      latestRun: { runId, state: 'COMPLETED' },
    });
  });

  it('impact lists the downstream columns with the PII tags that reach them', async () => {
    const { body } = await h.query(
      'data_engineer',
      '{ impact(dataset: { namespace: "lake", name: "raw.customers" }) { datasets { dataset { name } distance tags { tag } } columns { column { dataset { name } field } tags { tag } } } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.impact.datasets).toEqual([
      { dataset: { name: 'clean.customers' }, distance: 1, tags: [{ tag: 'pii' }] },
    ]);
    expect(body.data?.impact.columns).toEqual([
      {
        column: { dataset: { name: 'clean.customers' }, field: 'email' },
        tags: [{ tag: 'pii:email' }],
      },
    ]);
  });

  describe('event', () => {
    it('shows the envelope, its position and its inclusion proof', async () => {
      const { body } = await h.query(
        'auditor',
        '{ event(id: "evt-personal") { id type position subjects sealed { subject fields } data inclusionProof { __typename ... on InclusionProof { leafIndex treeSize inclusion checkpoint } } } missing: event(id: "nope") { id } }',
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.event).toMatchObject({
        id: 'evt-personal',
        type: 'AccessRecorded',
        position: 7,
        subjects: [carol, erased, broken],
      });
      expect(body.data?.event.sealed).toEqual([
        { subject: carol, fields: ['email'] },
        { subject: erased, fields: ['email'] },
        { subject: broken, fields: ['email'] },
      ]);
      expect(body.data?.event.inclusionProof).toEqual({
        __typename: 'InclusionProof',
        leafIndex: 7,
        treeSize: 8,
        inclusion: proof.inclusion,
        checkpoint: proof.checkpoint,
      });
      expect(body.data?.missing).toBeNull();
    });

    it('returns a typed error when no checkpoint covers the event yet', async () => {
      const { body } = await h.query(
        'auditor',
        '{ event(id: "evt-unproven") { inclusionProof { __typename ... on Error { code message } } } }',
      );
      expect(body.data?.event.inclusionProof).toEqual({
        __typename: 'ProofUnavailableError',
        code: 'NO_CHECKPOINT',
        message: 'no checkpoint covers this event yet',
      });
    });

    it('personal: a typed error after erasure, and when the event holds nothing of the subject', async () => {
      h.readPersonal.mockClear();
      const q = (event: string, subject: string) =>
        `{ event(id: "${event}") { personal(subject: "${subject}") { __typename ... on Error { code } } } }`;
      const gone = await h.query('dpo', q('evt-personal', erased));
      expect(gone.body.data?.event.personal).toEqual({
        __typename: 'SubjectErasedError',
        code: 'SUBJECT_ERASED',
      });
      expect(h.readPersonal).toHaveBeenCalledExactlyOnceWith('evt-personal', erased);
      const none = await h.query('dpo', q('evt-unproven', carol));
      expect(none.body.data?.event.personal).toEqual({
        __typename: 'PersonalFieldsNotFoundError',
        code: 'PERSONAL_FIELDS_NOT_FOUND',
      });
      expect(h.readPersonal).toHaveBeenCalledTimes(1);
    });

    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
      'personal: %s is no subject of an event that holds sealed fields',
      async (name) => {
        h.readPersonal.mockClear();
        const { body } = await h.query(
          'dpo',
          `{ event(id: "evt-personal") { personal(subject: "${name}") { __typename ... on Error { code } } } }`,
        );
        expect(body.data?.event.personal).toEqual({
          __typename: 'PersonalFieldsNotFoundError',
          code: 'PERSONAL_FIELDS_NOT_FOUND',
        });
        expect(h.readPersonal).not.toHaveBeenCalled();
      },
    );

    it('masks unexpected failures', async () => {
      const { body } = await h.query(
        'dpo',
        `{ event(id: "evt-personal") { id personal(subject: "${broken}") { __typename } } }`,
      );
      expect(body.data?.event).toEqual({ id: 'evt-personal', personal: null });
      expect(body.errors?.map((e) => e.message)).toEqual(['Unexpected error.']);
      expect(JSON.stringify(body)).not.toContain('10.0.0.7');
    });
  });

  it('checkpoint shows the latest signed note, size and root', async () => {
    const { body } = await h.query('auditor', '{ checkpoint { size root note publishedAt } }');
    expect(body.data?.checkpoint).toEqual({
      size: 8,
      root: 'AQID',
      note: proof.checkpoint,
      publishedAt: '2026-06-01T09:00:00.000Z',
    });
  });
});
