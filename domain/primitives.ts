import { Type, type Static } from '@sinclair/typebox';

/** RFC 3339 timestamp with an explicit offset, e.g. `2026-11-25T08:10:00.000Z`. */
export const Timestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
  description: 'RFC 3339 date-time with offset',
});

/** Producer-chosen idempotency key: printable ASCII, no spaces. */
export const EventId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' });

/**
 * Pseudonymous subject id: `subj_` and at least 16 random base64url characters.
 * Never a hash of an e-mail address or other identifier.
 */
export const SubjectId = Type.String({ pattern: '^subj_[A-Za-z0-9_-]{16,64}$' });
export type SubjectId = Static<typeof SubjectId>;

export const Roles = [
  'admin',
  'auditor',
  'data_engineer',
  'dpo',
  'analyst',
  'producer',
  'system',
  'anonymous',
] as const;
export type Role = (typeof Roles)[number];
/** Roles a token may carry: `system` is gouvernail itself, `anonymous` a caller without a token. */
export const TokenRoles = Roles.filter((r) => r !== 'system' && r !== 'anonymous');
export const RoleSchema = Type.Union(Roles.map((r) => Type.Literal(r)));

export const Actor = Type.Object(
  {
    principal: Type.String({ minLength: 1, maxLength: 256 }),
    role: RoleSchema,
  },
  { additionalProperties: false },
);
export type Actor = Static<typeof Actor>;

/** Resource URI such as `kafka://cluster/topic` or `mongodb://db/coll`. */
export const ResourceUri = Type.String({
  minLength: 3,
  maxLength: 1024,
  pattern: '^[a-z][a-z0-9+.-]*://.+$',
});

export const ShortText = Type.String({ minLength: 1, maxLength: 512 });

/** Any JSON value, bounded only by the request size limit. */
export const JsonValue = Type.Unknown();
