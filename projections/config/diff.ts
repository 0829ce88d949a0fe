/** One step from `before` to `after`, at an RFC 6901 JSON pointer (`''` is the whole value). */
export interface JsonDiffOp {
  readonly path: string;
  readonly op: 'add' | 'remove' | 'replace';
  readonly before?: unknown;
  readonly after?: unknown;
}

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const pointer = (path: string, token: string | number): string =>
  `${path}/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`;

const sameJson = (a: unknown, b: unknown): boolean => {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]))
    );
  }
  return a === b;
};

const diffAt = (path: string, before: unknown, after: unknown, out: JsonDiffOp[]): void => {
  if (Array.isArray(before) && Array.isArray(after)) {
    const common = Math.min(before.length, after.length);
    for (let i = 0; i < common; i++) diffAt(pointer(path, i), before[i], after[i], out);
    for (let i = common; i < after.length; i++)
      out.push({ path: pointer(path, i), op: 'add', after: after[i] });
    for (let i = before.length - 1; i >= common; i--)
      out.push({ path: pointer(path, i), op: 'remove', before: before[i] });
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const k of Object.keys(before)) {
      if (Object.hasOwn(after, k)) diffAt(pointer(path, k), before[k], after[k], out);
      else out.push({ path: pointer(path, k), op: 'remove', before: before[k] });
    }
    for (const k of Object.keys(after)) {
      if (!Object.hasOwn(before, k))
        out.push({ path: pointer(path, k), op: 'add', after: after[k] });
    }
    return;
  }
  if (!sameJson(before, after)) out.push({ path, op: 'replace', before, after });
};

/**
 * The changes that turn JSON value `before` into `after`: recursive over objects, arrays compared
 * index by index. Applied in order (array removals come last-index first) they rebuild `after`.
 */
export const diffJson = (before: unknown, after: unknown): JsonDiffOp[] => {
  const out: JsonDiffOp[] = [];
  diffAt('', before, after, out);
  return out;
};
