import type { types } from 'cassandra-driver';
import type { Role } from '../../../domain/primitives.js';
import { isOwnResource } from '../../../domain/producer-rules.js';
import type { AccessAction, AccessDecision, AccessRow } from '../ports.js';

export const dayMs = 86_400_000;
/** Cassandra's largest TTL (20 years); a longer retention is written without a TTL. */
export const maxTtlSeconds = 630_720_000;

export type Policies = ReadonlyMap<string, number>;

/**
 * The retention period of a resource, in days: its own policy, else the `*` policy, else none.
 * gouvernail's own resources (the self-audit) take only their own policy, never the default.
 */
export const retentionOf = (policies: Policies, resource: string): number | undefined =>
  policies.get(resource) ?? (isOwnResource(resource) ? undefined : policies.get('*'));

/** Rows older than this instant (epoch ms) are past retention; -Infinity when no policy applies. */
export const cutoffOf = (policies: Policies, resource: string, nowMs: number): number => {
  const days = retentionOf(policies, resource);
  return days === undefined ? -Infinity : nowMs - days * dayMs;
};

/**
 * The TTL (seconds) for a row at `timeMs`: what is left of its retention period at `nowMs`.
 * 0 means no TTL (no policy, or longer than Cassandra allows); null means already expired: skip it.
 */
export const ttlOf = (
  policies: Policies,
  resource: string,
  timeMs: number,
  nowMs: number,
): number | null => {
  const days = retentionOf(policies, resource);
  if (days === undefined) return 0;
  const seconds = Math.ceil((timeMs + days * dayMs - nowMs) / 1000);
  if (seconds <= 0) return null;
  return seconds > maxTtlSeconds ? 0 : seconds;
};

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const dayStartMs = (day: string): number => Date.parse(`${day}T00:00:00.000Z`);

/** A CQL bigint (driver `Long`) or int as a number. */
export const num = (v: unknown): number =>
  typeof v === 'number' ? v : (v as types.Long).toNumber();

export const toAccessRow = (r: types.Row): AccessRow => ({
  time: r.get('occurred_at') as string,
  position: num(r.get('position')),
  eventId: r.get('event_id') as string,
  principal: r.get('principal') as string,
  role: r.get('role') as Role | null,
  resource: r.get('resource') as string,
  action: r.get('action') as AccessAction,
  decision: r.get('decision') as AccessDecision,
  mechanism: r.get('mechanism') as string,
  clientAddress: r.get('client_address') as string | null,
  operation: r.get('operation') as string | null,
  subject: r.get('subject') as string | null,
});

export const timeMsOf = (r: types.Row): number => (r.get('time') as Date).getTime();
export const positionOf = (r: types.Row): number => num(r.get('position'));
