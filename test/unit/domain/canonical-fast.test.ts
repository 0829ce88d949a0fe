import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, CanonicalEncodingError } from '../../../domain/canonical.js';

/** RFC 8785 written out plainly, independent of the encoder under test. */
class Refused extends Error {}

const byCodeUnits = (a: string, b: string): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
};

const SHORT: Readonly<Record<number, string>> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};
const hex4 = (c: number): string => `\\u${c.toString(16).padStart(4, '0')}`;

const quote = (s: string, { key }: { key: boolean }): string => {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pairHigh =
      c >= 0xd800 &&
      c <= 0xdbff &&
      i + 1 < s.length &&
      s.charCodeAt(i + 1) >= 0xdc00 &&
      s.charCodeAt(i + 1) <= 0xdfff;
    if (pairHigh) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // Keys with a lone surrogate have always been escaped as JSON.stringify does; values are refused.
      if (!key) throw new Refused('lone surrogate');
      out += hex4(c);
    } else if (SHORT[c] !== undefined) out += SHORT[c];
    else if (c < 0x20) out += hex4(c);
    else out += s[i]!;
  }
  return `${out}"`;
};

const jcs = (v: unknown): string => {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Refused('non-finite');
    return Object.is(v, -0) ? '0' : String(v);
  }
  if (typeof v === 'string') return quote(v, { key: false });
  if (Array.isArray(v))
    return `[${v.map((x: unknown) => jcs(x === undefined ? null : x)).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort(byCodeUnits);
    return `{${keys.map((k) => `${quote(k, { key: true })}:${jcs(o[k])}`).join(',')}}`;
  }
  throw new Refused(typeof v);
};

const outcome = (encode: (v: unknown) => string, v: unknown): string => {
  try {
    return encode(v);
  } catch (e) {
    if (e instanceof Refused || e instanceof CanonicalEncodingError) return '<refused>';
    throw e;
  }
};

const trickyKey = fc.constantFrom(
  '',
  '1',
  '10',
  '9',
  '01',
  '-1',
  '4294967295',
  '\r',
  'a',
  'B',
  'é',
  'ö',
  '€',
  '\u0080',
  '\ufb33',
  '\ud83d\ude00',
  '\ud800',
  'toJSON_',
  '__proto_',
);
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 1 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '\ud800',
      '\udfff',
      '\u0000',
      '\u001f',
      '"',
      '\\',
      '\u2028',
      '\ud83d',
      '\ude00',
    ),
  },
);
const text = fc.string({ unit, maxLength: 8 });
const num = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(-0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE),
);

const { value: jsonish } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    num,
    text,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(trickyKey, text), tie('value'), { maxKeys: 6 }),
    fc.dictionary(trickyKey, fc.option(tie('value'), { nil: undefined }), { maxKeys: 6 }),
  ),
}));

describe('canonical encoding fast path', () => {
  it('agrees with a plain RFC 8785 encoder on random JSON, whatever the key order', () => {
    fc.assert(
      fc.property(jsonish, (v) => {
        expect(outcome(canonicalize, v)).toBe(outcome(jcs, v));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on already sorted and on shuffled objects', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.oneof(trickyKey, text), fc.jsonValue(), { maxKeys: 10 }),
        fc.boolean(),
        (obj, reverse) => {
          const entries = Object.entries(obj).sort(([a], [b]) => byCodeUnits(a, b));
          const v = Object.fromEntries(reverse ? entries.reverse() : entries);
          expect(outcome(canonicalize, v)).toBe(outcome(jcs, v));
        },
      ),
    );
  });

  it('orders keys by UTF-16 code units, not code points', () => {
    expect(canonicalize({ '\ufb33': 1, '\ud83d\ude00': 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}');
    expect(canonicalize({ b: 1, a: { d: 1, c: [{ f: 1, e: 2 }] } })).toBe(
      '{"a":{"c":[{"e":2,"f":1}],"d":1},"b":1}',
    );
    expect(canonicalize({ '9': 1, '10': 2, a: 3 })).toBe('{"10":2,"9":1,"a":3}');
  });

  it('formats the numbers of RFC 8785 Appendix B', () => {
    const cases: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, expected] of cases) {
      const n = new DataView(Uint8Array.from(Buffer.from(bits, 'hex')).buffer).getFloat64(0);
      expect(canonicalize([n]), bits).toBe(`[${expected}]`);
    }
    for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
      const n = new DataView(Uint8Array.from(Buffer.from(bits, 'hex')).buffer).getFloat64(0);
      expect(() => canonicalize({ n }), bits).toThrow(CanonicalEncodingError);
    }
  });

  it('encodes what JSON.stringify would treat specially as the reference encoder does', () => {
    expect(canonicalize({ d: new Date(0) })).toBe('{"d":{}}');
    expect(canonicalize({ o: Object.assign(Object.create(null) as object, { b: 1, a: 2 }) })).toBe(
      '{"o":{"a":2,"b":1}}',
    );
    expect(canonicalize([undefined, 1])).toBe('[null,1]');
    expect(canonicalize({ u: undefined, a: 1 })).toBe('{"a":1}');
    expect(() => canonicalize({ f: () => 1 })).toThrow(CanonicalEncodingError);
    expect(() => canonicalize([() => 1])).toThrow(CanonicalEncodingError);
    expect(() => canonicalize({ toJSON: () => 1 })).toThrow(CanonicalEncodingError);
    expect(() => canonicalize(10n)).toThrow(CanonicalEncodingError);
    expect(() => canonicalize(['\udc00'])).toThrow(CanonicalEncodingError);
  });
});
