import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, CanonicalEncodingError } from '../../../domain/canonical.js';

describe('RFC 8785 canonical encoding', () => {
  it('matches the example of RFC 8785 §3.2.2 (numbers, strings, literals)', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units as in RFC 8785 §3.2.3', () => {
    const input = {
      '€': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      ö: 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('gives the same bytes whatever the key order of the input', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalize(reversed)).toBe(canonicalize(obj));
      }),
    );
  });

  it('is stable: encoding the parsed encoding changes nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const once = canonicalize(v);
        expect(canonicalize(JSON.parse(once))).toBe(once);
      }),
    );
  });

  it('keeps a key named __proto__ as data, in its sorted place, whatever the input order', () => {
    const parsed = JSON.parse('{"__proto__":[1]," ":0,"b":{"z":1,"__proto__":{"y":2}}}') as unknown;
    expect(canonicalize(parsed)).toBe('{" ":0,"__proto__":[1],"b":{"__proto__":{"y":2},"z":1}}');
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).y).toBeUndefined();
  });

  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalize({ n: Number.NaN })).toThrow(CanonicalEncodingError);
    expect(() => canonicalize({ n: Infinity })).toThrow(CanonicalEncodingError);
    expect(() => canonicalize({ s: '\ud800' })).toThrow(CanonicalEncodingError);
    expect(() => canonicalize({ f: () => 1 })).toThrow(CanonicalEncodingError);
  });
});
