import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { esdbEventId } from '../../../src/log/eventstoredb/ids.js';

describe('EventStoreDB event ids', () => {
  it('are well-formed UUIDs, the same for the same id and different for different ids', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        expect(esdbEventId(a)).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        expect(esdbEventId(a)).toBe(esdbEventId(a));
        if (a !== b) expect(esdbEventId(a)).not.toBe(esdbEventId(b));
      }),
    );
  });
});
