import { Type, type Static } from '@sinclair/typebox';
import { Actor, EventId, JsonValue, ShortText, SubjectId, Timestamp } from './primitives.js';

/** Cleartext personal fields per subject, as a producer submits them. Sealed before the log. */
export const PersonalFields = Type.Record(
  SubjectId,
  Type.Record(Type.String({ minLength: 1, maxLength: 128 }), JsonValue),
  {
    maxProperties: 1000,
  },
);

/**
 * What the log holds in place of a subject's personal fields: the key id, the field names and a
 * commitment (base64url SHA-256) to the ciphertext. The ciphertext itself lives beside the log, so
 * it can be deleted while every proof over the entry still verifies.
 */
export const SealedRef = Type.Object(
  {
    keyId: Type.String({ minLength: 1 }),
    fields: Type.Array(Type.String()),
    commitment: Type.String({ minLength: 43, maxLength: 43 }),
  },
  { additionalProperties: false },
);
export type SealedRef = Static<typeof SealedRef>;

const envelopeFields = {
  id: EventId,
  type: Type.String({ minLength: 1, maxLength: 64 }),
  schemaVersion: Type.Integer({ minimum: 1 }),
  occurredAt: Timestamp,
  producer: ShortText,
  actor: Actor,
  subjects: Type.Optional(Type.Array(SubjectId, { maxItems: 1000 })),
  data: JsonValue,
};

/** An event as a producer submits it; `data` is checked against the type's schema afterwards. */
export const NewEventEnvelope = Type.Object(
  { ...envelopeFields, personal: Type.Optional(PersonalFields) },
  { additionalProperties: false },
);
export type NewEventEnvelope = Static<typeof NewEventEnvelope>;

/** An event as recorded in the log: never changed once written. */
export interface RecordedEnvelope<T extends string = string, D = unknown> {
  readonly id: string;
  readonly type: T;
  readonly schemaVersion: number;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly producer: string;
  readonly actor: Actor;
  readonly subjects: readonly string[];
  readonly data: D;
  readonly sealed?: Readonly<Record<string, SealedRef>>;
}

/** A recorded event with its place in the log (0-based; also its Merkle leaf index). */
export interface LoggedEvent<E extends RecordedEnvelope = RecordedEnvelope> {
  readonly position: number;
  readonly event: E;
}
