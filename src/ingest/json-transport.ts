import { MAX_JSON_DEPTH } from '../../domain/json-hygiene.js';

/**
 * Whether a JSON text carries this value to a worker exactly: plain objects and arrays, strings,
 * finite numbers, booleans and null, nested at most {@link MAX_JSON_DEPTH} deep. Anything else —
 * undefined members or holes, Dates and other class instances, `toJSON`, functions, BigInt,
 * Infinity, nesting too deep to write — would arrive changed, so such a batch is checked on the
 * calling thread: the answer never depends on whether workers are on.
 */
export const survivesJson = (value: unknown, depth = 0): boolean => {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_JSON_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!survivesJson(value[i], depth + 1)) return false;
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key of Object.keys(value)) {
        if (key === 'toJSON') return false;
        if (!survivesJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
};
