import type { ValidationIssue } from '../../domain/validation.js';
import { openLineageEventId } from './openlineage-envelope.js';

/** Prefixes of ids gouvernail makes itself: the self-audit and the Kafka configuration collector. */
const ownPrefixes = ['self:', 'kafka-config:'] as const;

/**
 * Why a producer may not use this id: one gouvernail derives itself. The collector's ids are
 * predictable, and an OpenLineage event's id is its content's hash: a producer that took one first
 * would make gouvernail's own event a "duplicate", and it would be dropped without a trace.
 */
export const reservedIdRefusal = (e: {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
}): ValidationIssue | undefined => {
  const own = ownPrefixes.find((p) => e.id.startsWith(p));
  if (own) return { path: '/id', message: `ids starting with ${own} are gouvernail's own` };
  if (
    e.id.startsWith('ol:') &&
    (e.type !== 'LineageRunEvent' ||
      e.id !== openLineageEventId((e.data as { event?: unknown }).event))
  )
    return {
      path: '/id',
      message:
        "ids starting with ol: are the hash of an OpenLineage event's content, given by gouvernail; this is not this event's",
    };
  return undefined;
};
