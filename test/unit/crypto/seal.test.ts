import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../domain/canonical.js';
import type { DataKey } from '../../../src/crypto/key-vault.js';
import { SealError, sealFields, unsealFields, type SealFailure } from '../../../src/crypto/seal.js';

const subject = 'subj_AAAAAAAAAAAAAAAAAAAAAA';
const context = { origin: 'gouvernail.test/log', eventId: 'evt-1', subject };
const dataKey = (over: Partial<DataKey> = {}): DataKey => ({
  keyId: 'dk_test',
  subject,
  key: randomBytes(32),
  ...over,
});
const fields = { email: 'ada@example.org', name: 'Ada Lovelace', age: 36 };

const failure = (open: () => unknown): SealFailure | 'none' => {
  try {
    open();
    return 'none';
  } catch (e) {
    if (e instanceof SealError) return e.reason;
    throw e;
  }
};

const flip = (blob: Uint8Array, at: number, mask = 0x01): Uint8Array => {
  const copy = Uint8Array.from(blob);
  copy[at]! ^= mask;
  return copy;
};

const commitment = (blob: Uint8Array) => createHash('sha256').update(blob).digest('base64url');

describe('sealFields / unsealFields', () => {
  it('round-trips any JSON object of fields, bound to any origin, event and subject', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 128 }), fc.jsonValue(), { maxKeys: 8 }),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.stringMatching(/^subj_[A-Za-z0-9_-]{16,64}$/),
        (personal, origin, eventId, subj) => {
          const key = dataKey({ subject: subj });
          const { ref, blob } = sealFields({
            origin,
            eventId,
            subject: subj,
            fields: personal,
            key,
          });
          const opened = unsealFields({ origin, eventId, subject: subj, ref, blob, key });
          expect(canonicalize(opened)).toBe(canonicalize(personal));
          expect(ref.fields).toEqual(Object.keys(personal).sort());
        },
      ),
    );
  });

  it('keeps only the key id, the sorted field names and a 43-character commitment in the ref', () => {
    const key = dataKey();
    const { ref, blob } = sealFields({ ...context, fields, key });
    expect(ref).toEqual({
      keyId: 'dk_test',
      fields: ['age', 'email', 'name'],
      commitment: commitment(blob),
    });
    expect(ref.commitment).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(blob[0]).toBe(0x01);
    expect(blob.length).toBe(1 + 12 + canonicalize(fields).length + 16);
    expect(Buffer.from(blob).includes('Lovelace')).toBe(false);
  });

  it('uses a fresh nonce for every seal of the same fields', () => {
    const key = dataKey();
    const a = sealFields({ ...context, fields, key });
    const b = sealFields({ ...context, fields, key });
    expect(Buffer.from(a.blob.subarray(1, 13)).equals(b.blob.subarray(1, 13))).toBe(false);
    expect(a.ref.commitment).not.toBe(b.ref.commitment);
  });

  it('refuses to seal a subject under another subject key, which erasing the subject would not shred', () => {
    const other = dataKey({ subject: 'subj_BBBBBBBBBBBBBBBBBBBBBB' });
    expect(() => sealFields({ ...context, fields, key: other })).toThrow(RangeError);
  });

  it('fails authentication under another key with the same id', () => {
    const { ref, blob } = sealFields({ ...context, fields, key: dataKey() });
    expect(failure(() => unsealFields({ ...context, ref, blob, key: dataKey() }))).toBe(
      'authentication-failed',
    );
  });

  it('fails authentication when the key is not the one the ref names', () => {
    const key = dataKey();
    const { ref, blob } = sealFields({ ...context, fields, key });
    expect(
      failure(() => unsealFields({ ...context, ref, blob, key: { ...key, keyId: 'dk_other' } })),
    ).toBe('authentication-failed');
  });

  it.each([
    ['origin', { origin: 'other.test/log' }],
    ['event id', { eventId: 'evt-2' }],
    ['subject', { subject: 'subj_BBBBBBBBBBBBBBBBBBBBBB' }],
  ])('fails authentication when the blob is opened for another %s', (_, moved) => {
    const key = dataKey();
    const { ref, blob } = sealFields({ ...context, fields, key });
    expect(failure(() => unsealFields({ ...context, ...moved, ref, blob, key }))).toBe(
      'authentication-failed',
    );
  });

  it('reports a commitment mismatch for any flipped byte of the blob', () => {
    const key = dataKey();
    const { ref, blob } = sealFields({ ...context, fields, key });
    fc.assert(
      fc.property(
        fc.nat({ max: blob.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, mask) => {
          expect(
            failure(() => unsealFields({ ...context, ref, blob: flip(blob, at, mask), key })),
          ).toBe('commitment-mismatch');
        },
      ),
    );
  });

  it('fails authentication for a blob that matches its commitment but was altered or sealed under another key', () => {
    const key = dataKey();
    const sealed = sealFields({ ...context, fields, key });
    for (const at of [1, 13, sealed.blob.length - 1]) {
      const blob = flip(sealed.blob, at);
      const ref = { ...sealed.ref, commitment: commitment(blob) };
      expect(failure(() => unsealFields({ ...context, ref, blob, key }))).toBe(
        'authentication-failed',
      );
    }
    const foreign = sealFields({ ...context, fields, key: dataKey() });
    expect(failure(() => unsealFields({ ...context, ...foreign, key }))).toBe(
      'authentication-failed',
    );
  });

  it('reports key-destroyed once the subject key is gone', () => {
    const { ref, blob } = sealFields({ ...context, fields, key: dataKey() });
    expect(failure(() => unsealFields({ ...context, ref, blob, key: null }))).toBe('key-destroyed');
  });

  it('reports a malformed blob: unknown version or too short', () => {
    const key = dataKey();
    const sealed = sealFields({ ...context, fields, key });
    for (const blob of [
      flip(sealed.blob, 0, 0x03),
      sealed.blob.subarray(0, 20),
      new Uint8Array(0),
    ]) {
      const ref = { ...sealed.ref, commitment: commitment(blob) };
      expect(failure(() => unsealFields({ ...context, ref, blob, key }))).toBe('malformed');
    }
  });

  it('reports malformed when the ref lists other field names than the blob holds', () => {
    const key = dataKey();
    const { ref, blob } = sealFields({ ...context, fields, key });
    const lying = { ...ref, fields: ['age', 'name'] };
    expect(failure(() => unsealFields({ ...context, ref: lying, blob, key }))).toBe('malformed');
  });
});
