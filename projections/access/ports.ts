import type { ProjectionStore } from '../ports.js';
import type { AccessActions, AccessDecisions } from '../../domain/events/access.js';
import type { Role } from '../../domain/primitives.js';

export type AccessAction = (typeof AccessActions)[number];
export type AccessDecision = (typeof AccessDecisions)[number];

/** The three ways access history is looked up; each is a separate index (a table at scale). */
export type AccessIndex = 'resource' | 'principal' | 'subject';

/** One access, as seen from one index. */
export interface AccessRow {
  /** `occurredAt` of the event, as recorded. */
  readonly time: string;
  readonly position: number;
  readonly eventId: string;
  readonly principal: string;
  /** The actor's role when the actor is the accessing principal, else null. */
  readonly role: Role | null;
  readonly resource: string;
  readonly action: AccessAction;
  readonly decision: AccessDecision;
  readonly mechanism: string;
  readonly clientAddress: string | null;
  readonly operation: string | null;
  /** Set on rows of the by-subject index only. */
  readonly subject: string | null;
}

/**
 * What the access-history projection asks a store to do. Store-neutral: `day` (UTC `YYYY-MM-DD`)
 * and `timeMs` let a wide-column store partition by (key, day) and cluster by time.
 */
export type AccessChange =
  | {
      readonly kind: 'rowIndexed';
      readonly index: AccessIndex;
      readonly key: string;
      readonly day: string;
      readonly timeMs: number;
      readonly row: AccessRow;
    }
  | { readonly kind: 'retentionSet'; readonly resource: string; readonly retentionDays: number }
  | { readonly kind: 'subjectErased'; readonly subject: string };

type Selector =
  | { readonly resource: string; readonly principal?: never; readonly subject?: never }
  | { readonly principal: string; readonly resource?: never; readonly subject?: never }
  | { readonly subject: string; readonly resource?: never; readonly principal?: never };

/**
 * An access-history lookup: exactly one of `resource`, `principal`, `subject`; newest first.
 * `from` is inclusive and `to` exclusive (RFC 3339); `after` is the `endCursor` of the previous page.
 */
export type AccessHistoryQuery = Selector & {
  readonly from?: string;
  readonly to?: string;
  readonly action?: AccessAction;
  readonly decision?: AccessDecision;
  readonly first: number;
  readonly after?: string;
};

/** A Relay-style page. `endCursor` is null when the page is empty. */
export interface Page<T> {
  readonly rows: readonly T[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
}

/**
 * Who accessed what, when: by resource, by principal and by subject, with retention.
 * Invalid arguments (selector, `first`, cursor, dates) reject with a `RangeError`.
 */
export interface AccessHistoryReadModel {
  /** A page of accesses, newest first; rows past their retention period are never returned. */
  accessHistory(query: AccessHistoryQuery): Promise<Page<AccessRow>>;
  /** Deletes rows older than the retention period of their resource (or `*`) at `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
  /**
   * Deletes a subject's rows from the by-subject index for erasure case `caseId`, and returns how
   * many rows that case has deleted in all: this call's and its earlier calls', each row once. The
   * store keeps which rows each case deleted, so a re-run after a crash before the caller recorded
   * the count still reports the rows the crashed run deleted.
   */
  purgeSubject(subject: string, caseId: string): Promise<number>;
}

/** What every access-history adapter returns: the projection store and the read model over it. */
export type AccessHistoryStore = ProjectionStore<AccessChange> & AccessHistoryReadModel;
