import type { AccessRow } from './ports.js';

/** The columns every access store keeps for one access, in this order (see `accessRowValues`). */
export const accessRowColumns = [
  'occurred_at',
  'event_id',
  'principal',
  'role',
  'resource',
  'action',
  'decision',
  'mechanism',
  'client_address',
  'operation',
] as const;

/** The values of `accessRowColumns` for one access. */
export const accessRowValues = (r: AccessRow): unknown[] => [
  r.time,
  r.eventId,
  r.principal,
  r.role,
  r.resource,
  r.action,
  r.decision,
  r.mechanism,
  r.clientAddress,
  r.operation,
];
