import { canonicalBytes } from '../../domain/canonical.js';
import { streamOf, type AuditEvent, type EventType } from '../../domain/catalogue.js';
import type { NewEventEnvelope, RecordedEnvelope, SealedRef } from '../../domain/envelope.js';
import type { DataKey } from '../crypto/key-vault.js';
import { sealFields } from '../crypto/seal.js';
import type { PreparedEvent } from '../log/event-log.js';
import { leafHash } from '../merkle/hash.js';

/**
 * Turns a validated event into what the log stores: personal fields sealed under each subject's
 * key, the server's `recordedAt` added, canonically encoded and leaf-hashed.
 */
export const prepareEvent = (
  input: NewEventEnvelope & { type: EventType },
  ctx: { origin: string; recordedAt: string; keys: ReadonlyMap<string, DataKey> },
): PreparedEvent => {
  const sealedBlobs: { subject: string; blob: Uint8Array }[] = [];
  let sealed: Record<string, SealedRef> | undefined;
  for (const [subject, fields] of Object.entries(input.personal ?? {})) {
    const key = ctx.keys.get(subject);
    if (!key) throw new Error(`no data key for subject ${subject}`);
    const { ref, blob } = sealFields({ origin: ctx.origin, eventId: input.id, subject, fields, key });
    (sealed ??= {})[subject] = ref;
    sealedBlobs.push({ subject, blob });
  }
  const event: RecordedEnvelope = {
    id: input.id,
    type: input.type,
    schemaVersion: input.schemaVersion,
    occurredAt: input.occurredAt,
    recordedAt: ctx.recordedAt,
    producer: input.producer,
    actor: input.actor,
    subjects: input.subjects ?? [],
    data: input.data,
    ...(sealed ? { sealed } : {}),
  };
  const entry = canonicalBytes(event);
  return { event, entry, leafHash: leafHash(entry), stream: streamOf(event as AuditEvent), sealedBlobs };
};
