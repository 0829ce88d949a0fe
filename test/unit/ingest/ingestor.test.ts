import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateNewEvent } from '../../../domain/validation.js';
import { readFileSync } from 'node:fs';
import type { Ingestor, ValidEvent } from '../../../src/ingest/ingest.js';
import { openLineageEventId } from '../../../src/ingest/openlineage-envelope.js';
import { embeddedIngestor, type EmbeddedIngestor } from '../../support/embedded-ingestor.js';
import { forgedCertificate, newAccessEvent } from '../../support/new-events.js';

const valid = (input: unknown): ValidEvent => {
  const r = validateNewEvent(input);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

describe('ingestor', () => {
  let embedded: EmbeddedIngestor;
  let log: EmbeddedIngestor['log'];
  let ingestor: Ingestor;
  beforeEach(() => {
    embedded = embeddedIngestor();
    ({ log, ingestor } = embedded);
  });
  afterEach(() => embedded.close());

  it('refuses a whole batch, naming invalid events and types producers may not send, in order', async () => {
    const r = await ingestor.ingest(
      [newAccessEvent('a'), forgedCertificate('f'), { id: 'bad' }, newAccessEvent('b')],
      'http',
    );
    expect(r.status).toBe('rejected');
    if (r.status !== 'rejected') return;
    expect(r.rejected.map((x) => [x.index, x.id])).toEqual([
      [1, 'f'],
      [2, 'bad'],
    ]);
    expect(r.rejected[0]!.issues[0]!.message).toContain('recorded by gouvernail itself');
    expect(await log.size()).toBe(0);
  });

  it("refuses a producer's retention policy for gouvernail's own resources, not for others", async () => {
    const policy = (id: string, resource: string) => ({
      id,
      type: 'RetentionPolicySet',
      schemaVersion: 1,
      occurredAt: '2026-11-02T09:15:00.000Z',
      producer: 'governance',
      actor: { principal: 'User:ops', role: 'admin' },
      data: { resource, scope: 'access-history', retentionDays: 1 },
    });
    const r = await ingestor.ingest([policy('own', 'gouvernail://graphql')], 'http');
    expect(r.status).toBe('rejected');
    if (r.status !== 'rejected') return;
    expect(r.rejected[0]!.issues).toEqual([
      {
        path: '/data/resource',
        message:
          "the retention of gouvernail's own access records (gouvernail://…, the auditors' audit trail) is not set by producers",
      },
    ]);
    expect(await log.size()).toBe(0);
    const others = await ingestor.ingest(
      [policy('all', '*'), policy('one', 'kafka://prod/orders')],
      'http',
    );
    expect(others.status).toBe('accepted');
    // A scope nothing applies is refused, not accepted and ignored.
    const config = await ingestor.ingest(
      [
        {
          ...policy('cfg', '*'),
          data: { resource: '*', scope: 'config-history', retentionDays: 1 },
        },
      ],
      'http',
    );
    expect(config.status === 'rejected' && config.rejected[0]!.issues[0]!.path).toBe('/data/scope');
  });

  it('appends events its caller validated, sealing personal fields as ingest does', async () => {
    const events = [
      valid(newAccessEvent('a', { subject: 'subj_alice00000000000001', email: 'a@example.com' })),
      valid(newAccessEvent('b')),
    ];
    const r = await ingestor.ingestValid(events, 'kafka');
    expect(r).toEqual({
      status: 'accepted',
      outcomes: [
        { id: 'a', position: 0, status: 'appended' },
        { id: 'b', position: 1, status: 'appended' },
      ],
    });
    const [stored] = await log.read(0, 1);
    expect(stored!.event.sealed?.['subj_alice00000000000001']?.fields).toEqual(['email']);
    expect(Buffer.from(stored!.entry).toString()).not.toContain('a@example.com');
  });

  it('still refuses, from validated events, the types producers may not send', async () => {
    const r = await ingestor.ingestValid(
      [valid(newAccessEvent('a')), valid(forgedCertificate('f'))],
      'kafka',
    );
    expect(r.status).toBe('rejected');
    if (r.status !== 'rejected') return;
    expect(r.rejected.map((x) => [x.index, x.id])).toEqual([[1, 'f']]);
    expect(await log.size()).toBe(0);
    // gouvernail's own sources may record them.
    const own = await ingestor.ingestValid([valid(forgedCertificate('f'))], 'erasure');
    expect(own.status).toBe('accepted');
  });

  it("refuses producer events that claim to be gouvernail's own, naming the field", async () => {
    const completed = (taskId: string) => ({
      id: `done-${taskId}`,
      type: 'ErasureTaskCompleted',
      schemaVersion: 1,
      occurredAt: '2026-11-04T08:01:00.000Z',
      producer: 'spark-jobs',
      actor: { principal: 'erase_subject', role: 'producer' },
      data: { caseId: 'case-1', taskId, outcome: 'erased', counts: {} },
    });
    const selfAudit = {
      ...newAccessEvent('spoof'),
      data: { ...newAccessEvent('spoof').data, resource: 'gouvernail://graphql' },
    };
    const system = { ...newAccessEvent('sys'), actor: { principal: 'gouvernail', role: 'system' } };
    const r = await ingestor.ingest(
      [completed('t1'), completed('gouvernail:subject-keys'), selfAudit, system],
      'http',
    );
    expect(r.status === 'rejected' && r.rejected.map((x) => [x.index, x.issues[0]!.path])).toEqual([
      [1, '/data/taskId'],
      [2, '/data/resource'],
      [3, '/actor/role'],
    ]);
    // The external executor's own task is fine.
    expect((await ingestor.ingest([completed('t1')], 'kafka')).status).toBe('accepted');
  });

  it("refuses producer ids that gouvernail derives itself, but not an OpenLineage event's own", async () => {
    const ol = JSON.parse(
      readFileSync(new URL('../../fixtures/openlineage/run-start.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const lineage = (id: string) => ({
      id,
      type: 'LineageRunEvent',
      schemaVersion: 1,
      occurredAt: '2026-11-20T10:00:00.000Z',
      producer: 'spark',
      actor: { principal: 'spark', role: 'producer' },
      data: { kind: 'RunEvent', event: ol },
    });
    const r = await ingestor.ingest(
      [
        newAccessEvent('kafka-config:abc'),
        newAccessEvent('self:123'),
        newAccessEvent(openLineageEventId(ol)),
        lineage('ol:not-its-hash'),
      ],
      'http',
    );
    expect(r.status === 'rejected' && r.rejected.map((x) => [x.index, x.issues[0]!.path])).toEqual([
      [0, '/id'],
      [1, '/id'],
      [2, '/id'],
      [3, '/id'],
    ]);
    const own = await ingestor.ingest([lineage(openLineageEventId(ol))], 'http');
    expect(own.status).toBe('accepted');
  });

  it('answers conflict, keeping the first, when a producer reuses an id for other content', async () => {
    const subject = 'subj_alice00000000000001';
    const first = newAccessEvent('x', { subject, email: 'a@example.com' });
    await ingestor.ingest([first], 'http');
    const other = newAccessEvent('x', {
      subject,
      email: 'a@example.com',
      resource: 'kafka://prod/other',
    });
    const r = await ingestor.ingest(
      [first, other, { ...first, occurredAt: '2026-11-21T10:00:00.000Z' }],
      'http',
    );
    // The same event again (its personal field sealed anew) is a duplicate; other content is not.
    expect(r.status === 'accepted' && r.outcomes.map((o) => o.status)).toEqual([
      'duplicate',
      'conflict',
      'conflict',
    ]);
    expect(r.status === 'accepted' && r.outcomes[1]!.position).toBe(0);
    const [stored] = await log.read(0, 1);
    expect((stored!.event.data as { resource: string }).resource).toBe('kafka://prod/orders');
    expect(await log.size()).toBe(1);
    // gouvernail's own sources repeat ids on purpose: no conflict there.
    const own = await ingestor.ingest([other], 'gouvernail');
    expect(own.status === 'accepted' && own.outcomes[0]!.status).toBe('duplicate');
  });
});
