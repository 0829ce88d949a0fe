import { FormatRegistry, Type, type Static } from '@sinclair/typebox';

const timestampParts =
  /^(\d{4})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** The first and last instants of years 0000–9999 in UTC: what a four-digit UTC day bucket can name. */
const firstInstantMs = Date.parse('0000-01-01T00:00:00.000Z');
const lastInstantMs = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * Whether `v` is an RFC 3339 date-time with an offset that names a real instant: the pattern alone
 * lets `2026-13-45T99:99:99Z` or February 30 through, and every projection would then fail on it.
 * The instant must also fall within years 0000–9999 in UTC: `9999-12-31T23:30:00-05:00` is in year
 * 10000 there, and the read stores file rows under their UTC day.
 */
export const isTimestamp = (v: string): boolean => {
  const m = timestampParts.exec(v);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (days === undefined || day < 1 || day > days) return false;
  if (year > 0 && year < 9999) return true;
  const ms = Date.parse(v);
  return ms >= firstInstantMs && ms <= lastInstantMs;
};

// TypeBox checks formats through this global registry, in every thread that validates.
FormatRegistry.Set('date-time', isTimestamp);

/** RFC 3339 timestamp with an explicit offset, e.g. `2026-11-25T08:10:00.000Z`. */
export const Timestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
  format: 'date-time',
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
