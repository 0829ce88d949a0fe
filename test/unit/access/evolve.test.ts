import { describe, expect, it } from 'vitest';
import { accessHistoryChanges } from '../../../projections/access/evolve.js';
import { recorded, subjectId } from '../../support/events.js';
import { accessEvent } from './fixtures.js';

describe('access history evolve', () => {
  it('indexes one access by resource, by principal and once per subject touched', () => {
    const [s1, s2] = [subjectId('one'), subjectId('two')];
    const e = accessEvent(
      {
        principal: 'alice',
        resource: 'mongodb://crm/customers',
        action: 'write',
        decision: 'denied',
        clientAddress: '10.0.0.7',
        operation: 'update',
      },
      {
        id: 'a-1',
        occurredAt: '2026-03-01T23:30:00+02:00',
        subjects: [s1, s2, s1],
        actor: { principal: 'alice', role: 'analyst' },
      },
    );
    const changes = accessHistoryChanges(e, 42);
    expect(changes.map((c) => (c.kind === 'rowIndexed' ? [c.index, c.key] : c.kind))).toEqual([
      ['resource', 'mongodb://crm/customers'],
      ['principal', 'alice'],
      ['subject', s1],
      ['subject', s2],
    ]);
    const first = changes[0]!;
    expect(first).toMatchObject({
      day: '2026-03-01',
      timeMs: Date.parse('2026-03-01T21:30:00Z'),
      row: {
        time: '2026-03-01T23:30:00+02:00',
        position: 42,
        eventId: 'a-1',
        principal: 'alice',
        role: 'analyst',
        resource: 'mongodb://crm/customers',
        action: 'write',
        decision: 'denied',
        mechanism: 'kafka-acl',
        clientAddress: '10.0.0.7',
        operation: 'update',
        subject: null,
      },
    });
    expect(changes[2]).toMatchObject({ row: { subject: s1 } });
  });

  it('buckets by UTC day and leaves the role out when the actor is not the accessing principal', () => {
    const e = accessEvent({ principal: 'bob' }, { occurredAt: '2026-03-01T23:30:00-02:00' });
    const [c] = accessHistoryChanges(e, 0);
    expect(c).toMatchObject({
      day: '2026-03-02',
      row: { role: null, clientAddress: null, operation: null },
    });
  });

  it('files an access whose occurredAt names no instant (accepted by older versions) under recordedAt', () => {
    const e = accessEvent({ principal: 'bob' }, { occurredAt: '2026-13-45T99:99:99Z' });
    const [c] = accessHistoryChanges(e, 0);
    expect(c).toMatchObject({
      day: e.recordedAt.slice(0, 10),
      timeMs: Date.parse(e.recordedAt),
      row: { time: e.recordedAt },
    });
  });

  it('keeps access-history retention policies only', () => {
    const keep = recorded('RetentionPolicySet', {
      resource: '*',
      scope: 'access-history',
      retentionDays: 30,
    });
    const skip = recorded('RetentionPolicySet', {
      resource: '*',
      scope: 'config-history',
      retentionDays: 30,
    });
    expect(accessHistoryChanges(keep, 1)).toEqual([
      { kind: 'retentionSet', resource: '*', retentionDays: 30 },
    ]);
    expect(accessHistoryChanges(skip, 2)).toEqual([]);
  });

  it("erases a subject's rows when the subject's keys are destroyed", () => {
    const s = subjectId('gone');
    const e = recorded('SubjectKeyDestroyed', { subject: s, keyIds: ['k1'] });
    expect(accessHistoryChanges(e, 3)).toEqual([{ kind: 'subjectErased', subject: s }]);
  });

  it('ignores other events', () => {
    const e = recorded('ConfigChanged', {
      component: 'kafka',
      target: 'acl',
      before: null,
      after: 1,
    });
    expect(accessHistoryChanges(e, 4)).toEqual([]);
  });
});
