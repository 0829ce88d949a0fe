import type { AuditEvent, EventOf } from '../../domain/catalogue.js';
import type { Projection } from '../ports.js';
import type { AccessChange, AccessRow } from './ports.js';

export const accessHistoryName = 'accessHistory';

/** UTC day bucket (`YYYY-MM-DD`) and epoch milliseconds of an RFC 3339 timestamp. */
export const timeOf = (timestamp: string): { timeMs: number; day: string } => {
  const timeMs = Date.parse(timestamp);
  if (Number.isNaN(timeMs)) throw new RangeError(`not an RFC 3339 timestamp: ${timestamp}`);
  return { timeMs, day: new Date(timeMs).toISOString().slice(0, 10) };
};

/**
 * When the access happened: `occurredAt`, or `recordedAt` (the server's clock) for an event whose
 * `occurredAt` names no instant. Ingest refuses those now; older logs may hold some, and one must not
 * stop the projection for good.
 */
const whenOf = (e: EventOf<'AccessRecorded'>): string =>
  Number.isNaN(Date.parse(e.occurredAt)) ? e.recordedAt : e.occurredAt;

const rowsOf = (e: EventOf<'AccessRecorded'>, position: number): AccessChange[] => {
  const d = e.data;
  const when = whenOf(e);
  const { timeMs, day } = timeOf(when);
  const row: AccessRow = {
    time: when,
    position,
    eventId: e.id,
    principal: d.principal,
    role: e.actor.principal === d.principal ? e.actor.role : null,
    resource: d.resource,
    action: d.action,
    decision: d.decision,
    mechanism: d.mechanism,
    clientAddress: d.clientAddress ?? null,
    operation: d.operation ?? null,
    subject: null,
  };
  const at = { day, timeMs };
  return [
    { kind: 'rowIndexed', index: 'resource', key: d.resource, ...at, row },
    { kind: 'rowIndexed', index: 'principal', key: d.principal, ...at, row },
    ...[...new Set(e.subjects)].map((subject): AccessChange => ({
      kind: 'rowIndexed',
      index: 'subject',
      key: subject,
      ...at,
      row: { ...row, subject },
    })),
  ];
};

/** Access history by resource, principal and subject; retention policies; subject erasure. */
export const accessHistoryChanges = (event: AuditEvent, position: number): AccessChange[] => {
  if (event.type === 'AccessRecorded') return rowsOf(event, position);
  if (event.type === 'SubjectKeyDestroyed')
    return [{ kind: 'subjectErased', subject: event.data.subject }];
  if (event.type === 'RetentionPolicySet' && event.data.scope === 'access-history') {
    return [
      {
        kind: 'retentionSet',
        resource: event.data.resource,
        retentionDays: event.data.retentionDays,
      },
    ];
  }
  return [];
};

export const accessHistory: Projection<AccessChange> = {
  name: accessHistoryName,
  changesFor: accessHistoryChanges,
};
