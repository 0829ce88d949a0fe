/**
 * RFC 8785 JSON Canonicalization Scheme: object keys sorted by UTF-16 code units, no white space,
 * numbers in ECMAScript shortest form, strings escaped as ECMAScript JSON.stringify does.
 * The same value always yields the same string, so the same event always hashes to the same bytes.
 */
export const canonicalize = (value: unknown): string => {
  const out: string[] = [];
  write(value, out);
  return out.join('');
};

const encoder = new TextEncoder();

/** The canonical UTF-8 bytes of a JSON value. */
export const canonicalBytes = (value: unknown): Uint8Array => encoder.encode(canonicalize(value));

const write = (value: unknown, out: string[]): void => {
  switch (typeof value) {
    case 'string':
      if (hasLoneSurrogate(value)) throw new CanonicalEncodingError('string contains a lone surrogate');
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalEncodingError(`number ${value} is not valid JSON`);
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
  items.forEach((item, i) => {
    if (i > 0) out.push(',');
    write(item === undefined ? null : item, out);
  });
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

const hasLoneSurrogate = (s: string): boolean =>
  !(s as string & { isWellFormed(): boolean }).isWellFormed();

export class CanonicalEncodingError extends Error {
  override readonly name = 'CanonicalEncodingError';
}
