import { daysInMonth } from './utc-date.js';
import type { ValidationIssue } from './validation.js';

/** Collects validation issues while walking a JSON value; paths are RFC 6901 JSON pointers. */
export type Issues = ValidationIssue[];

export type JsonObject = Readonly<Record<string, unknown>>;

export const pointer = (path: string, key: string | number): string =>
  `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uri = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/;
const dateTime =
  /^\d{4}-(0[1-9]|1[0-2])-\d{2}[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d)(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

export const isUuid = (v: unknown): v is string => typeof v === 'string' && uuid.test(v);
export const isUri = (v: unknown): v is string => typeof v === 'string' && uri.test(v);
const uriOrScheme = /^[A-Za-z][A-Za-z0-9+.-]*(:[^\s]*)?$/;

export const isDateTime = (v: unknown): v is string => {
  if (typeof v !== 'string' || !dateTime.test(v) || Number.isNaN(Date.parse(v.replace(' ', 'T'))))
    return false;
  const [year = 0, month = 0, day = 0] = v.slice(0, 10).split('-').map(Number);
  return day >= 1 && day <= daysInMonth(year, month - 1);
};

/** An RFC 3339 date-time as a UTC instant with millisecond precision, so instants sort as strings. */
export const toInstant = (v: string): string =>
  new Date(Date.parse(v.replace(' ', 'T'))).toISOString();

const fail = (issues: Issues, path: string, message: string): false => {
  issues.push({ path: path || '/', message });
  return false;
};

export const required = (issues: Issues, obj: JsonObject, key: string, path: string): boolean =>
  obj[key] === undefined ? fail(issues, pointer(path, key), 'is required') : true;

export const checkObject = (issues: Issues, v: unknown, path: string): v is JsonObject =>
  isObject(v) || fail(issues, path, 'must be an object');

export const checkArray = (issues: Issues, v: unknown, path: string): v is readonly unknown[] =>
  Array.isArray(v) || fail(issues, path, 'must be an array');

export const checkString = (issues: Issues, v: unknown, path: string): v is string =>
  typeof v === 'string' || fail(issues, path, 'must be a string');

export const checkName = (issues: Issues, v: unknown, path: string): v is string =>
  (typeof v === 'string' && v.length > 0) || fail(issues, path, 'must be a non-empty string');

export const checkBoolean = (issues: Issues, v: unknown, path: string): v is boolean =>
  typeof v === 'boolean' || fail(issues, path, 'must be a boolean');

export const checkUri = (issues: Issues, v: unknown, path: string): v is string =>
  isUri(v) || fail(issues, path, 'must be a URI');

/** A URI, or a bare scheme such as `file` (what the OpenLineage Spark listener sends as a dataSource uri). */
export const checkUriOrScheme = (issues: Issues, v: unknown, path: string): v is string =>
  (typeof v === 'string' && uriOrScheme.test(v)) || fail(issues, path, 'must be a URI');

export const checkUuid = (issues: Issues, v: unknown, path: string): v is string =>
  isUuid(v) || fail(issues, path, 'must be a UUID');

export const checkDateTime = (issues: Issues, v: unknown, path: string): v is string =>
  isDateTime(v) || fail(issues, path, 'must be an RFC 3339 date-time with a time zone offset');

export const checkEnum = <T extends string>(
  issues: Issues,
  v: unknown,
  values: readonly T[],
  path: string,
): v is T => values.includes(v as T) || fail(issues, path, `must be one of ${values.join(', ')}`);

/** Checks `obj[key]` with `check` when present; absent optional keys pass. */
export const optional = (
  issues: Issues,
  obj: JsonObject,
  key: string,
  path: string,
  check: (issues: Issues, v: unknown, path: string) => boolean,
): boolean => obj[key] === undefined || check(issues, obj[key], pointer(path, key));

/** Checks every item of an array with `check`. */
export const checkEach = (
  issues: Issues,
  v: unknown,
  path: string,
  check: (issues: Issues, item: unknown, path: string) => boolean,
): boolean => {
  if (!checkArray(issues, v, path)) return false;
  let okAll = true;
  v.forEach((item, i) => {
    if (!check(issues, item, pointer(path, i))) okAll = false;
  });
  return okAll;
};
