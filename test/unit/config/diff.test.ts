import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffJson, type JsonDiffOp } from '../../../projections/config/diff.js';

const unescape = (token: string): string => token.replaceAll('~1', '/').replaceAll('~0', '~');

const applyDiff = (value: unknown, ops: readonly JsonDiffOp[]): unknown => {
  let root = structuredClone(value);
  for (const op of ops) {
    if (op.path === '') {
      root = structuredClone(op.after);
      continue;
    }
    const tokens = op.path.slice(1).split('/').map(unescape);
    const last = tokens.pop()!;
    const parent = tokens.reduce<unknown>((node, t) => (node as Record<string, unknown>)[t], root);
    if (Array.isArray(parent)) {
      const i = Number(last);
      if (op.op === 'remove') parent.splice(i, 1);
      else parent[i] = structuredClone(op.after);
    } else if (op.op === 'remove') {
      Reflect.deleteProperty(parent as object, last);
    } else {
      Object.defineProperty(parent, last, {
        value: structuredClone(op.after),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return root;
};

describe('diffJson', () => {
  it('lists adds, removes and replaces at JSON pointers, recursing into objects and arrays', () => {
    const before = {
      retention: { days: 7, 'a/b~c': 1 },
      acl: ['alice', 'bob', 'carol'],
      old: true,
    };
    const after = { retention: { days: 30, 'a/b~c': 1 }, acl: ['alice', 'dave'], mode: 'strict' };
    expect(diffJson(before, after)).toEqual([
      { path: '/retention/days', op: 'replace', before: 7, after: 30 },
      { path: '/acl/1', op: 'replace', before: 'bob', after: 'dave' },
      { path: '/acl/2', op: 'remove', before: 'carol' },
      { path: '/old', op: 'remove', before: true },
      { path: '/mode', op: 'add', after: 'strict' },
    ]);
    expect(diffJson({ 'a/b~c': 1 }, { 'a/b~c': 2 })[0]?.path).toBe('/a~1b~0c');
  });

  it('replaces the whole value when a setting is created, removed or changes type', () => {
    expect(diffJson(null, { days: 7 })).toEqual([
      { path: '', op: 'replace', before: null, after: { days: 7 } },
    ]);
    expect(diffJson([1], { 0: 1 })).toEqual([
      { path: '', op: 'replace', before: [1], after: { 0: 1 } },
    ]);
  });

  it('finds nothing between a value and itself', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        expect(diffJson(x, structuredClone(x))).toEqual([]);
      }),
    );
  });

  it('turns before into after when applied', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (before, after) => {
        expect(applyDiff(before, diffJson(before, after))).toEqual(after);
      }),
      { numRuns: 500 },
    );
  });

  it('turns similar values into one another with small diffs', () => {
    const setting = fc.dictionary(
      fc.constantFrom('a', 'b', 'c', '~', '/'),
      fc.oneof(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
      ),
      { maxKeys: 4 },
    );
    fc.assert(
      fc.property(setting, setting, (before, after) => {
        expect(applyDiff(before, diffJson(before, after))).toEqual(after);
      }),
      { numRuns: 500 },
    );
  });
});
