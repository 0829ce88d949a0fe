import { decodeAccessCursor, type AccessCursor } from './cursor.js';
import type { AccessAction, AccessDecision, AccessHistoryQuery, AccessIndex } from './ports.js';

export const maxPageSize = 1000;

/** An access-history query checked and resolved to one index, ready for any store. */
export interface ResolvedAccessQuery {
  readonly index: AccessIndex;
  readonly key: string;
  readonly fromMs: number | null;
  readonly toMs: number | null;
  readonly action: AccessAction | null;
  readonly decision: AccessDecision | null;
  readonly first: number;
  readonly after: AccessCursor | null;
}

const parseTime = (name: string, value: string | undefined): number | null => {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not an RFC 3339 timestamp`);
  return ms;
};

const selectorOf = (q: AccessHistoryQuery): { index: AccessIndex; key: string } => {
  const given = (['resource', 'principal', 'subject'] as const).filter((k) => q[k] !== undefined);
  const index = given[0];
  if (given.length !== 1 || index === undefined) {
    throw new RangeError('give exactly one of resource, principal, subject');
  }
  return { index, key: q[index]! };
};

/** Validates a query; throws `RangeError` naming the bad argument. */
export const resolveAccessQuery = (q: AccessHistoryQuery): ResolvedAccessQuery => {
  if (!Number.isInteger(q.first) || q.first < 0 || q.first > maxPageSize) {
    throw new RangeError(`first must be an integer from 0 to ${maxPageSize}`);
  }
  return {
    ...selectorOf(q),
    fromMs: parseTime('from', q.from),
    toMs: parseTime('to', q.to),
    action: q.action ?? null,
    decision: q.decision ?? null,
    first: q.first,
    after: q.after === undefined ? null : decodeAccessCursor(q.after),
  };
};
