/**
 * RFC 8785 JSON Canonicalization Scheme: object keys sorted by UTF-16 code units, no white space,
 * numbers in ECMAScript shortest form, strings escaped as ECMAScript JSON.stringify does.
 * The same value always yields the same string, so the same event always hashes to the same bytes.
 *
 * Fast path: for plain JSON data (plain objects and arrays, finite numbers, well-formed strings)
 * JSON.stringify already produces RFC 8785 output once every object's keys are in sorted order, so
 * the value is checked (and any object whose keys are out of order copied in sorted order) and then
 * stringified once. Anything else (class instances, `toJSON`, functions, keys an object cannot hold
 * in sorted order such as array indices) takes the reference encoder, with the same result or error.
 */
export const canonicalize = (value: unknown): string => {
  if (typeof (objectPrototype as { toJSON?: unknown }).toJSON === 'function')
    return reference(value);
  const sorted = normalize(value);
  if (sorted === FALLBACK) return reference(value);
  return JSON.stringify(sorted);
};

const encoder = new TextEncoder();

/** The canonical UTF-8 bytes of a JSON value. */
export const canonicalBytes = (value: unknown): Uint8Array => encoder.encode(canonicalize(value));

const FALLBACK: unique symbol = Symbol('fallback');
const objectPrototype = Object.prototype;

/**
 * `value` itself when JSON.stringify encodes it canonically, a copy with sorted keys where only key
 * order is wrong, or FALLBACK. Throws the reference encoder's error for non-finite numbers and lone
 * surrogates in string values.
 */
const normalize = (value: unknown): unknown => {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value))
        throw new CanonicalEncodingError('string contains a lone surrogate');
      return value;
    case 'number':
      if (!Number.isFinite(value))
        throw new CanonicalEncodingError(`number ${value} is not valid JSON`);
      return value;
    case 'boolean':
      return value;
    case 'object':
      if (value === null) return value;
      if (Array.isArray(value)) return normalizeArray(value);
      return normalizeObject(value as Record<string, unknown>);
    default:
      return FALLBACK;
  }
};

const normalizeArray = (items: readonly unknown[]): unknown => {
  let copy: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === undefined) return FALLBACK;
    const n = normalize(item);
    if (n === FALLBACK) return FALLBACK;
    if (n !== item) (copy ??= items.slice(0, i)).push(n);
    else copy?.push(n);
  }
  return copy ?? items;
};

const normalizeObject = (obj: Record<string, unknown>): unknown => {
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto !== objectPrototype && proto !== null) return FALLBACK;
  const keys = Object.keys(obj);
  let inOrder = true;
  let changed: unknown[] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k === 'toJSON') return FALLBACK;
    if (i > 0 && !(keys[i - 1]! < k)) inOrder = false;
    const v = obj[k];
    if (v === undefined) continue;
    const n = normalize(v);
    if (n === FALLBACK) return FALLBACK;
    if (n !== v) (changed ??= [])[i] = n;
  }
  if (inOrder && changed === undefined) return obj;
  return sortedCopy(obj, keys, inOrder, changed);
};

const sortedCopy = (
  obj: Record<string, unknown>,
  keys: string[],
  inOrder: boolean,
  changed: unknown[] | undefined,
): unknown => {
  const order = keys.map((_, i) => i);
  if (!inOrder) order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
  // A plain object keeps JSON.stringify on its fast path. Only a key named `__proto__` needs a copy
  // without prototype, where it becomes an own property instead of the copy's prototype.
  const copy: Record<string, unknown> = keys.includes('__proto__')
    ? (Object.create(null) as Record<string, unknown>)
    : {};
  for (const i of order) {
    const v = changed?.[i] ?? obj[keys[i]!];
    if (v !== undefined) copy[keys[i]!] = v;
  }
  if (!inOrder && !keysSorted(Object.keys(copy))) return FALLBACK;
  return copy;
};

const keysSorted = (keys: readonly string[]): boolean => {
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  return true;
};

/** The straightforward RFC 8785 writer; the definition the fast path must agree with. */
const reference = (value: unknown): string => {
  const out: string[] = [];
  write(value, out);
  return out.join('');
};

const write = (value: unknown, out: string[]): void => {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value))
        throw new CanonicalEncodingError('string contains a lone surrogate');
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value))
        throw new CanonicalEncodingError(`number ${value} is not valid JSON`);
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      if (value === null) out.push('null');
      else if (Array.isArray(value)) writeArray(value, out);
      else writeObject(value as Record<string, unknown>, out);
      return;
    default:
      throw new CanonicalEncodingError(`${typeof value} cannot be encoded as JSON`);
  }
};

const writeArray = (items: readonly unknown[], out: string[]): void => {
  out.push('[');
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out.push(',');
    const item = items[i];
    write(item === undefined ? null : item, out);
  }
  out.push(']');
};

const writeObject = (obj: Record<string, unknown>, out: string[]): void => {
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  out.push('{');
  keys.forEach((k, i) => {
    if (i > 0) out.push(',');
    out.push(JSON.stringify(k), ':');
    write(obj[k], out);
  });
  out.push('}');
};

const isWellFormed = (s: string): boolean =>
  (s as string & { isWellFormed(): boolean }).isWellFormed();

export class CanonicalEncodingError extends Error {
  override readonly name = 'CanonicalEncodingError';
}
