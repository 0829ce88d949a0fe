import { describe, expect, it } from 'vitest';
import { addCalendarMonths, dueDate } from '../../../domain/erasure/calendar.js';
import { erasureDecider, type ErasureEvent } from '../../../domain/erasure/decider.js';
import { given } from '../../support/decider.js';
import {
  actor,
  caseId,
  certified,
  commitment,
  completed,
  exemption,
  extended,
  issued,
  keysDestroyed,
  requested,
  spec,
  subject,
} from './fixtures.js';

const g = given(erasureDecider);

describe('the one-month deadline (Art. 12(3))', () => {
  it.each([
    ['2026-01-15T09:30:00.000Z', 1, '2026-02-15T09:30:00.000Z'],
    ['2026-01-31T10:00:00.000Z', 1, '2026-02-28T10:00:00.000Z'],
    ['2028-01-31T10:00:00.000Z', 1, '2028-02-29T10:00:00.000Z'],
    ['2026-03-31T00:00:00.000Z', 1, '2026-04-30T00:00:00.000Z'],
    ['2026-12-31T23:59:59.999Z', 1, '2027-01-31T23:59:59.999Z'],
    ['2026-11-30T12:00:00.000Z', 3, '2027-02-28T12:00:00.000Z'],
    ['2026-01-31T10:00:00+02:00', 1, '2026-02-28T08:00:00.000Z'],
    // Years 0 to 99 are those years (Date.UTC would take them as 1900 to 1999); year 0 is leap.
    ['0000-01-01T00:00:00Z', 1, '0000-02-01T00:00:00.000Z'],
    ['0000-01-31T00:00:00Z', 1, '0000-02-29T00:00:00.000Z'],
    ['0099-11-15T00:00:00Z', 1, '0099-12-15T00:00:00.000Z'],
    ['0099-12-31T00:00:00Z', 2, '0100-02-28T00:00:00.000Z'],
  ])('%s + %i month(s) is %s', (from, months, expected) => {
    expect(addCalendarMonths(from, months)).toBe(expected);
  });

  it('counts extensions from the receipt, not from the clamped deadline', () => {
    expect(dueDate('2026-01-31T10:00:00.000Z', 0)).toBe('2026-02-28T10:00:00.000Z');
    expect(dueDate('2026-01-31T10:00:00.000Z', 1)).toBe('2026-03-31T10:00:00.000Z');
    expect(dueDate('2026-01-31T10:00:00.000Z', 2)).toBe('2026-04-30T10:00:00.000Z');
  });
});

describe('RequestErasure', () => {
  const command = (receivedAt: string, now = '2026-02-01T00:00:00.000Z') =>
    ({
      type: 'RequestErasure',
      caseId,
      subject,
      receivedAt,
      legalGround: 'Art. 17(1)(b)',
      canaryCommitment: commitment,
      actor,
      now,
    }) as const;

  it('opens a case due one calendar month after receipt, clamped to the end of February', () => {
    g()
      .when(command('2026-01-31T10:00:00.000Z'))
      .then([requested('2026-01-31T10:00:00.000Z', '2026-02-28T10:00:00.000Z')]);
  });

  it('gives Feb 29 in a leap year', () => {
    g()
      .when(command('2028-01-31T10:00:00.000Z', '2028-02-01T00:00:00.000Z'))
      .then([requested('2028-01-31T10:00:00.000Z', '2028-02-29T10:00:00.000Z')]);
  });

  it('keeps the request reference', () => {
    const r = g().when({ ...command('2026-01-31T10:00:00.000Z'), requestRef: 'ticket-42' }).result;
    expect(r.ok && r.value[0]?.data).toMatchObject({ requestRef: 'ticket-42' });
  });

  it('refuses a second request for the same case', () => {
    g(requested())
      .when(command('2026-01-31T10:00:00.000Z'))
      .thenError({ type: 'CaseAlreadyExists', caseId });
  });

  it('refuses a receipt date before the GDPR applied (25 May 2018, wherever it was that day)', () => {
    for (const receivedAt of ['0000-01-01T00:00:00Z', '2018-05-24T23:59:59+14:01']) {
      g().when(command(receivedAt)).thenError({
        type: 'ReceivedBeforeGdprApplied',
        receivedAt,
        appliesFrom: '2018-05-24T10:00:00.000Z',
      });
    }
    g()
      .when(command('2018-05-25T00:00:00+14:00'))
      .then([requested('2018-05-25T00:00:00+14:00', '2018-06-24T10:00:00.000Z')]);
  });

  it('refuses a receipt date in the future or not a timestamp', () => {
    g().when(command('2026-03-01T00:00:00.000Z')).thenError({ type: 'ReceivedInFuture' });
    g().when(command('yesterday')).thenError({ type: 'InvalidTimestamp', field: 'receivedAt' });
  });
});

describe('IssueTasks', () => {
  it('issues each task once', () => {
    g(requested(), issued('t1'))
      .when({ type: 'IssueTasks', caseId, tasks: [spec('t1'), spec('t2')] })
      .then([issued('t2')]);
  });

  it('moves the case from requested to located', () => {
    g(requested())
      .when({ type: 'IssueTasks', caseId, tasks: [spec('t1')] })
      .thenState((s) => {
        expect(s.status).toBe('located');
      });
  });

  it('refuses to reuse a task id for another target', () => {
    g(requested(), issued('t1'))
      .when({
        type: 'IssueTasks',
        caseId,
        tasks: [{ ...spec('t1'), target: 'kafka://other/topic' }],
      })
      .thenError({ type: 'TaskAlreadyIssued', taskId: 't1' });
  });

  it('refuses a case that does not exist', () => {
    g()
      .when({ type: 'IssueTasks', caseId, tasks: [spec('t1')] })
      .thenError({ type: 'CaseNotFound', caseId });
    g(requested())
      .when({ type: 'IssueTasks', caseId: 'other', tasks: [] })
      .thenError({ type: 'CaseNotFound', caseId: 'other' });
  });
});

describe('CompleteTask', () => {
  const complete = (
    taskId: string,
    outcome: 'erased' | 'failed' | 'exempted' | 'nothing_found' = 'erased',
    counts: Record<string, number> = { rows: 3 },
  ) => ({ type: 'CompleteTask', caseId, taskId, outcome, counts }) as const;

  it('records the outcome and counts', () => {
    g(requested(), issued('t1'))
      .when(complete('t1'))
      .then([completed('t1')]);
  });

  it('keeps the evidence', () => {
    const r = g(requested(), issued('t1')).when({
      ...complete('t1'),
      evidence: { job: 'erase_subject', runId: 'r1' },
    }).result;
    expect(r.ok && r.value[0]?.data).toMatchObject({
      evidence: { job: 'erase_subject', runId: 'r1' },
    });
  });

  it('is idempotent: the same outcome again records nothing', () => {
    g(requested(), issued('t1'), completed('t1'))
      .when(complete('t1', 'erased', { rows: 99 }))
      .then([]);
  });

  it('refuses another outcome for a task already done', () => {
    g(requested(), issued('t1'), completed('t1', 'nothing_found', {}))
      .when(complete('t1'))
      .thenError({ type: 'TaskAlreadyCompleted', taskId: 't1', outcome: 'nothing_found' });
  });

  it('lets a failed task report again', () => {
    g(requested(), issued('t1'), completed('t1', 'failed', {}))
      .when(complete('t1'))
      .then([completed('t1')]);
  });

  it('refuses an unknown task, negative counts and an exemption that was never recorded', () => {
    g(requested(), issued('t1'))
      .when(complete('t9'))
      .thenError({ type: 'TaskUnknown', taskId: 't9' });
    g(requested(), issued('t1'))
      .when(complete('t1', 'erased', { rows: -1 }))
      .thenError({ type: 'InvalidCounts' });
    g(requested(), issued('t1'))
      .when(complete('t1', 'exempted', {}))
      .thenError({ type: 'ExemptionNotRecorded', taskIds: ['t1'] });
  });

  it('moves the case to tasks-completed once every task is done', () => {
    g(requested(), issued('t1'), issued('t2'), completed('t1'))
      .when(complete('t2', 'nothing_found', {}))
      .thenState((s) => {
        expect(s.status).toBe('tasks-completed');
      });
  });
});

describe('ExtendDeadline', () => {
  const extend = (by: number, now = '2026-02-10T00:00:00.000Z', reason = 'complex request') =>
    ({ type: 'ExtendDeadline', caseId, by, reason, now }) as const;

  it('extends by one month, counted from the receipt (Jan 31 → Feb 28 → Mar 31)', () => {
    g(requested())
      .when(extend(1))
      .then([extended(1, '2026-02-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z')]);
  });

  it('extends by two months at once', () => {
    g(requested())
      .when(extend(2))
      .then([extended(2, '2026-02-28T10:00:00.000Z', '2026-04-30T10:00:00.000Z')]);
  });

  it('allows two one-month extensions, and not a third month', () => {
    const first = extended(1, '2026-02-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z');
    g(requested(), first)
      .when(extend(1))
      .then([extended(1, '2026-03-31T10:00:00.000Z', '2026-04-30T10:00:00.000Z')]);
    const second = extended(1, '2026-03-31T10:00:00.000Z', '2026-04-30T10:00:00.000Z');
    g(requested(), first, second)
      .when(extend(1))
      .thenError({ type: 'ExtensionTooLong', requested: 1, alreadyExtended: 2, max: 2 });
    g(requested(), first)
      .when(extend(2))
      .thenError({ type: 'ExtensionTooLong', requested: 2, alreadyExtended: 1 });
  });

  it('refuses 0 or 3 months, an empty reason, and an extension decided after the original deadline', () => {
    g(requested()).when(extend(3)).thenError({ type: 'InvalidExtension', by: 3 });
    g(requested()).when(extend(0)).thenError({ type: 'InvalidExtension', by: 0 });
    g(requested())
      .when(extend(1, '2026-02-10T00:00:00.000Z', '  '))
      .thenError({ type: 'ReasonRequired' });
    g(requested())
      .when(extend(1, '2026-03-01T00:00:00.000Z'))
      .thenError({ type: 'ExtensionTooLate', originalDueAt: '2026-02-28T10:00:00.000Z' });
  });

  it('makes the case due later', () => {
    g(requested())
      .when(extend(1))
      .thenState((s) => {
        expect(s.status !== 'none' && s.dueAt).toBe('2026-03-31T10:00:00.000Z');
      });
  });
});

describe('RecordExemption', () => {
  const exempt = (taskId?: string) =>
    ({
      type: 'RecordExemption',
      caseId,
      category: 'invoices',
      ground: 'legal-obligation',
      ...(taskId ? { taskId } : {}),
    }) as const;

  it('records an exemption for the case', () => {
    g(requested()).when(exempt()).then([exemption()]);
  });

  it('completes the task it covers as exempted', () => {
    g(requested(), issued('t1'))
      .when(exempt('t1'))
      .then([
        exemption('t1'),
        {
          type: 'ErasureTaskCompleted',
          data: {
            caseId,
            taskId: 't1',
            outcome: 'exempted',
            counts: {},
            evidence: { ground: 'legal-obligation', category: 'invoices' },
          },
        },
      ]);
  });

  it('refuses an unknown task or one already erased', () => {
    g(requested()).when(exempt('t9')).thenError({ type: 'TaskUnknown', taskId: 't9' });
    g(requested(), issued('t1'), completed('t1'))
      .when(exempt('t1'))
      .thenError({ type: 'TaskAlreadyCompleted', taskId: 't1' });
  });
});

describe('RecordKeyDestruction', () => {
  const destroy = (keyIds: string[], s = subject) =>
    ({ type: 'RecordKeyDestruction', caseId, subject: s, keyIds }) as const;

  it('records the destroyed key ids for the case', () => {
    g(requested(), issued('t1'))
      .when(destroy(['dk_1']))
      .then([keysDestroyed(['dk_1'])]);
  });

  it('records that no key was left, once', () => {
    g(requested())
      .when(destroy([]))
      .then([keysDestroyed([])]);
    g(requested(), keysDestroyed([])).when(destroy([])).then([]);
    g(requested(), keysDestroyed(['dk_1']))
      .when(destroy(['dk_1']))
      .then([]);
  });

  it('refuses another subject', () => {
    g(requested())
      .when(destroy(['dk_1'], 'subj_BBBBBBBBBBBBBBBBBBBB'))
      .thenError({ type: 'SubjectMismatch', expected: subject });
  });

  it('counts a key destruction recorded without a case id for every case of the subject', () => {
    g(requested(), issued('t1'), completed('t1'), {
      type: 'SubjectKeyDestroyed',
      data: { subject, keyIds: ['dk_7'] },
    })
      .when({ type: 'Certify', caseId, certificateSha256: 'x'.repeat(43), certificate: {} })
      .thenState((s) => {
        expect(s.status).toBe('certified');
      });
  });
});

describe('Certify', () => {
  const certify = {
    type: 'Certify',
    caseId,
    certificateSha256: 'x'.repeat(43),
    certificate: { ok: true },
  } as const;

  it('certifies once every task is done and the keys are destroyed', () => {
    g(
      requested(),
      issued('t1'),
      issued('t2'),
      completed('t1'),
      completed('t2', 'nothing_found', {}),
      keysDestroyed(),
    )
      .when(certify)
      .then([certified()]);
  });

  it('counts exempted tasks as done', () => {
    g(requested(), issued('t1'), exemption('t1'), completed('t1', 'exempted', {}), keysDestroyed())
      .when(certify)
      .then([certified()]);
  });

  it('refuses while tasks are open or failed, naming them', () => {
    g(requested(), issued('t1'), issued('t2'), completed('t2', 'failed', {}), keysDestroyed())
      .when(certify)
      .thenError({ type: 'TasksStillOpen', open: ['t1'], failed: ['t2'] });
  });

  it('refuses before the keys are destroyed, and a case without tasks', () => {
    g(requested(), issued('t1'), completed('t1'))
      .when(certify)
      .thenError({ type: 'KeysNotDestroyed', subject });
    g(requested(), keysDestroyed()).when(certify).thenError({ type: 'NoTasks' });
  });

  it('refuses an exempted task when no exemption was recorded (e.g. reported over HTTP)', () => {
    g(requested(), issued('t1'), completed('t1', 'exempted', {}), keysDestroyed())
      .when(certify)
      .thenError({ type: 'ExemptionNotRecorded' });
  });

  it('refuses every command once certified', () => {
    const done = [requested(), issued('t1'), completed('t1'), keysDestroyed(), certified()];
    g(...done)
      .when(certify)
      .thenError({ type: 'AlreadyCertified', caseId });
    g(...done)
      .when({ type: 'CompleteTask', caseId, taskId: 't1', outcome: 'erased', counts: {} })
      .thenError({ type: 'AlreadyCertified' });
    g(...done)
      .when({ type: 'ExtendDeadline', caseId, by: 1, reason: 'x', now: '2026-02-01T00:00:00.000Z' })
      .thenError({ type: 'AlreadyCertified' });
  });
});

describe('evolve', () => {
  it('ignores completions of unknown tasks and later outcomes of tasks already done', () => {
    const s = [
      requested(),
      issued('t1'),
      completed('t9'),
      completed('t1'),
      completed('t1', 'failed', {}),
    ].reduce(erasureDecider.evolve, erasureDecider.initialState);
    expect(s.status !== 'none' && s.tasks).toEqual([
      expect.objectContaining({ taskId: 't1', outcome: 'erased', counts: { rows: 3 } }),
    ]);
  });

  it('ignores key destructions of another subject or case', () => {
    const events: ErasureEvent[] = [
      requested(),
      {
        type: 'SubjectKeyDestroyed',
        data: { subject: 'subj_BBBBBBBBBBBBBBBBBBBB', keyIds: ['dk_x'] },
      },
      { type: 'SubjectKeyDestroyed', data: { subject, keyIds: ['dk_y'], caseId: 'case-2' } },
    ];
    const s = events.reduce(erasureDecider.evolve, erasureDecider.initialState);
    expect(s.status !== 'none' && s.keysDestroyed).toBe(false);
  });
});
