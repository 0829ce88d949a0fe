import { createHash } from 'node:crypto';
import { canonicalize } from '../../domain/canonical.js';
import type { EventType } from '../../domain/catalogue.js';
import type { NewEventEnvelope } from '../../domain/envelope.js';
import type { ValidOpenLineage } from '../../domain/openlineage.js';
import { clipText } from '../../domain/text.js';

/** `ol:` and the base64url SHA-256 of the RFC 8785 encoding of an OpenLineage event. */
export const openLineageEventId = (event: unknown): string =>
  `ol:${createHash('sha256').update(canonicalize(event)).digest('base64url')}`;

/**
 * Wraps a validated OpenLineage event into a `LineageRunEvent` envelope. The id is derived from
 * the event's canonical bytes, so a client that sends the same event twice (a retry, a Kafka
 * redelivery) is deduplicated by the log.
 */
export const openLineageEnvelope = (
  ol: ValidOpenLineage,
  submittedBy: string,
): NewEventEnvelope & { type: EventType } => {
  const event = ol.event as unknown as { eventTime: string; producer: string };
  return {
    id: openLineageEventId(ol.event),
    type: 'LineageRunEvent',
    schemaVersion: 1,
    occurredAt: new Date(Date.parse(event.eventTime)).toISOString(),
    producer: clipText(event.producer, 512),
    actor: { principal: submittedBy, role: 'producer' },
    subjects: [],
    data: { kind: ol.kind, event: ol.event },
  };
};
