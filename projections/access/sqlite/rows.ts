import type { Role } from '../../../domain/primitives.js';
import type { AccessAction, AccessDecision, AccessRow } from '../ports.js';

export interface AccessRecord {
  readonly position: number;
  readonly time_ms: number;
  readonly occurred_at: string;
  readonly event_id: string;
  readonly principal: string;
  readonly role: string | null;
  readonly resource: string;
  readonly action: string;
  readonly decision: string;
  readonly mechanism: string;
  readonly client_address: string | null;
  readonly operation: string | null;
  readonly subject: string | null;
}

export const toAccessRow = (r: AccessRecord): AccessRow => ({
  time: r.occurred_at,
  position: r.position,
  eventId: r.event_id,
  principal: r.principal,
  role: r.role as Role | null,
  resource: r.resource,
  action: r.action as AccessAction,
  decision: r.decision as AccessDecision,
  mechanism: r.mechanism,
  clientAddress: r.client_address,
  operation: r.operation,
  subject: r.subject,
});
