import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../domain/canonical.js';
import { survivesJson } from '../../../src/ingest/json-transport.js';

const encoded = (v: unknown): string => {
  try {
    return canonicalize(v);
  } catch (e) {
    return `error: ${(e as Error).name}`;
  }
};

describe('what a JSON text carries to a prepare worker', () => {
  it('says a value survives only when the worker would see the same value', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withDate: true,
          withNullPrototype: true,
          withBigInt: true,
          withSparseArray: true,
        }),
        (v) => {
          if (survivesJson(v)) expect(encoded(JSON.parse(JSON.stringify(v)))).toBe(encoded(v));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts parsed JSON and refuses what JSON would change', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => survivesJson(JSON.parse(JSON.stringify(v)))));
    const deep = JSON.parse(`${'['.repeat(70)}${']'.repeat(70)}`) as unknown;
    for (const changed of [
      { a: undefined },
      { at: new Date(0) },
      { toJSON: () => 1 },
      { n: 10n },
      { n: Infinity },
      // eslint-disable-next-line no-sparse-arrays -- a hole is what is being tested
      [1, , 3],
      deep,
    ])
      expect(survivesJson(changed)).toBe(false);
  });
});
