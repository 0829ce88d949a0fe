import type { ValidationIssue } from './validation.js';

/** Deepest nesting of objects and arrays an event may have (the envelope counts). */
export const MAX_JSON_DEPTH = 64;

const pointer = (path: readonly (string | number)[]): string =>
  path.length === 0
    ? '/'
    : path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

const wellFormed = (s: string): boolean =>
  (s as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * The first place where a parsed JSON value cannot be stored as it is: nesting deeper than
 * {@link MAX_JSON_DEPTH}, a number that overflowed (`1e400` parses to Infinity, which JSON
 * turns into null), or a lone UTF-16 surrogate (`"\ud800"`) in a key or a string, which RFC 8785
 * cannot encode. Schemas check shapes; this checks what every JSON value must satisfy to be
 * canonically encoded, hashed and read back by every projection without failing.
 */
export const jsonHygieneIssue = (
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
): ValidationIssue | undefined => {
  const path: (string | number)[] = [];
  const visit = (v: unknown, depth: number): string | undefined => {
    switch (typeof v) {
      case 'string':
        return wellFormed(v) ? undefined : 'contains a lone UTF-16 surrogate (not valid Unicode)';
      case 'number':
        return Number.isFinite(v) ? undefined : 'is a number too large to represent';
      case 'object': {
        if (v === null) return undefined;
        if (depth >= maxDepth) return `nests objects and arrays deeper than ${maxDepth} levels`;
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) {
            path.push(i);
            const problem = visit(v[i], depth + 1);
            if (problem) return problem;
            path.pop();
          }
          return undefined;
        }
        for (const key of Object.keys(v)) {
          path.push(key);
          if (!wellFormed(key)) return 'is a key with a lone UTF-16 surrogate (not valid Unicode)';
          const problem = visit((v as Record<string, unknown>)[key], depth + 1);
          if (problem) return problem;
          path.pop();
        }
        return undefined;
      }
      default:
        return undefined;
    }
  };
  const problem = visit(value, 0);
  return problem ? { path: pointer(path), message: problem } : undefined;
};
