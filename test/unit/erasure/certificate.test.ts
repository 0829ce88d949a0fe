import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../../../domain/canonical.js';
import { generateSigningKey } from '../../../src/checkpoint/keys.js';
import { signCertificate, type ErasureCertificate } from '../../../src/erasure/certificate.js';
import {
  verifyCertificate,
  type CertificateProblemCode,
} from '../../../src/erasure/verify-certificate.js';
import { createHarness, eraseCamille, origin, type Harness } from './harness.js';

let h: Harness;
let cert: ErasureCertificate;
beforeAll(async () => {
  h = createHarness();
  cert = (await eraseCamille(h)).certificate;
});
afterAll(async () => {
  await h.close();
});

const codes = (doc: unknown, key = h.key.vkey): CertificateProblemCode[] => [
  ...new Set(verifyCertificate(doc, key).problems.map((p) => p.code)),
];

/** A changed copy, signed again with the log's key: only the check the change breaks may fail. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form edits of a JSON document
type Json = any;
const resigned = (change: (c: Json) => void): ErasureCertificate => {
  const copy = structuredClone(cert) as Json;
  delete copy.signature;
  change(copy);
  return signCertificate(copy as never, h.key.signer);
};

const flipped = (text: string, at: number, bit: number): unknown => {
  const bytes = Buffer.from(text, 'utf8');
  bytes[at]! ^= 1 << bit;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
};

describe('erasure certificate', () => {
  it('verifies with the vkey and with the SPKI PEM of the log key', () => {
    expect(verifyCertificate(cert, h.key.vkey)).toEqual({ ok: true, problems: [] });
    expect(verifyCertificate(JSON.parse(JSON.stringify(cert)), h.key.publicKeyPem).ok).toBe(true);
  });

  it('states what it proves and what it does not', () => {
    expect(cert.statement.doesNotProve).toEqual(
      expect.arrayContaining([
        'copies outside the recorded systems',
        'backups taken before erasure (outside gouvernail: gouvernail backups hold only ciphertext whose keys are destroyed)',
        'data in systems that did not report',
      ]),
    );
    expect(cert.format).toBe('gouvernail-erasure-certificate/v1');
    expect(cert.keyName).toBe(origin);
  });

  it('fails when any bit of the certificate is flipped', () => {
    const text = canonicalize(cert);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Buffer.byteLength(text) - 1 }),
        fc.integer({ min: 0, max: 7 }),
        (at, bit) => {
          const doc = flipped(text, at, bit);
          expect(doc === null || !verifyCertificate(doc, h.key.vkey).ok).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fails when any bit of an embedded proof is flipped', () => {
    const text = canonicalize(cert);
    const proof = canonicalize(cert.events[0]!.proof);
    const start = Buffer.from(text).indexOf(Buffer.from(proof));
    expect(start).toBeGreaterThan(0);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Buffer.byteLength(proof) - 1 }),
        fc.integer({ min: 0, max: 7 }),
        (at, bit) => {
          const doc = flipped(text, start + at, bit);
          expect(doc === null || !verifyCertificate(doc, h.key.vkey).ok).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a signature that only differs in unused base64 bits', () => {
    const sig = cert.signature;
    const last = sig.replace(/=+$/, '').at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const twin = alphabet[alphabet.indexOf(last) ^ 1]!;
    const forged = { ...cert, signature: sig.replace(/.(=*)$/, `${twin}$1`) };
    expect(codes(forged)).toEqual(['signature']);
  });

  it('names the broken check even when the altered certificate is signed again', () => {
    expect(
      codes(
        resigned((c) => (c.events[1].proof.inclusion[0] = Buffer.alloc(32).toString('base64'))),
      ),
    ).toEqual(['inclusion-proof']);
    expect(
      codes(
        resigned(
          (c) => ([c.events[1].proof, c.events[2].proof] = [c.events[2].proof, c.events[1].proof]),
        ),
      ),
    ).toEqual(['event-mismatch']);
    expect(codes(resigned((c) => (c.consistency.consistency = [])))).toEqual(['consistency-proof']);
    expect(codes(resigned((c) => (c.systems[0].outcome = 'failed')))).toEqual([
      'claim-mismatch',
      'tasks-not-done',
    ]);
    expect(codes(resigned((c) => (c.systems[0].counts = { rowsDeleted: 9999 })))).toEqual([
      'claim-mismatch',
    ]);
    expect(codes(resigned((c) => (c.dueAt = '2099-01-01T00:00:00.000Z')))).toEqual([
      'claim-mismatch',
    ]);
    expect(codes(resigned((c) => (c.canaryScan.result = 'found')))).toEqual(['canary-found']);
    expect(
      codes(
        resigned((c) => {
          c.events = c.events.filter((e: { type: string }) => e.type !== 'SubjectKeyDestroyed');
          c.keys = [];
        }),
      ),
    ).toEqual(['keys-not-destroyed']);
  });

  it('names the problem, not a TypeError, when an embedded entry is JSON but no object', () => {
    for (const json of ['null', '7', '"text"', '[]'])
      expect(
        codes(resigned((c) => (c.events[0].proof.entry = Buffer.from(json).toString('base64')))),
      ).toContain('event-mismatch');
  });

  it('fails with another key, and on something that is not a certificate', () => {
    const stranger = generateSigningKey(origin);
    expect(codes(cert, stranger.vkey)).toEqual(
      expect.arrayContaining(['signature', 'inclusion-proof', 'consistency-proof']),
    );
    expect(verifyCertificate({ format: 'x' }, h.key.vkey)).toMatchObject({
      ok: false,
      problems: [{ code: 'format' }],
    });
    expect(codes(cert, 'not a key')).toContain('key');
  });
});
