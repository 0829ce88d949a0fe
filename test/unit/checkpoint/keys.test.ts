import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  publicKeyToSpkiPem,
  signerFromPkcs8Pem,
  verifierFromSpkiPem,
  verifierFromVkey,
} from '../../../src/checkpoint/keys.js';
import {
  formatCheckpointBody,
  formatVerifierKey,
  signNote,
  verifyNote,
} from '../../../src/checkpoint/note.js';

const NAME = 'audit.example/gouvernail';
const message = new TextEncoder().encode(
  'audit.example/gouvernail\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n',
);

describe('Ed25519 note keys', () => {
  it('generates a key whose PEM and vkey forms all describe the same key', () => {
    const generated = generateSigningKey(NAME);
    expect(generated.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(generated.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(generated.signer.publicKey).toHaveLength(32);
    expect(generated.signer.keyHash).toHaveLength(4);
    expect(generated.vkey).toBe(formatVerifierKey(generated.signer));
    expect(publicKeyToSpkiPem(generated.signer.publicKey)).toBe(generated.publicKeyPem);

    const reloaded = signerFromPkcs8Pem(NAME, generated.privateKeyPem);
    expect(reloaded.publicKey).toEqual(generated.signer.publicKey);
    expect(reloaded.keyHash).toEqual(generated.signer.keyHash);

    const signature = reloaded.sign(message);
    expect(signature).toHaveLength(64);
    for (const verifier of [
      verifierFromVkey(generated.vkey),
      verifierFromSpkiPem(NAME, generated.publicKeyPem),
    ]) {
      expect(verifier.keyHash).toEqual(generated.signer.keyHash);
      expect(verifier.verify(message, signature)).toBe(true);
      expect(verifier.verify(message.subarray(1), signature)).toBe(false);
      expect(verifier.verify(message, signature.subarray(0, 63))).toBe(false);
    }
  });

  it('verifies a note signed with a key reloaded from its PEM', () => {
    const generated = generateSigningKey(NAME);
    const signer = signerFromPkcs8Pem(NAME, generated.privateKeyPem);
    const note = signNote(
      formatCheckpointBody({ origin: NAME, size: 3, root: new Uint8Array(32) }),
      signer,
    );
    expect(verifyNote(note, verifierFromSpkiPem(NAME, generated.publicKeyPem)).size).toBe(3);
  });

  it('verifies the RFC 8032 §7.1 TEST 1 signature', () => {
    const publicKey = new Uint8Array(
      Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex'),
    );
    const signature = new Uint8Array(
      Buffer.from(
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
        'hex',
      ),
    );
    const verifier = verifierFromVkey(
      formatVerifierKey({ name: 'rfc8032.example/test1', publicKey }),
    );
    expect(verifier.verify(new Uint8Array(), signature)).toBe(true);
    expect(verifier.verify(Uint8Array.of(0), signature)).toBe(false);
  });

  it('refuses keys that are not Ed25519 and invalid key names', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() =>
      signerFromPkcs8Pem(NAME, ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
    ).toThrow(/not Ed25519/);
    expect(() =>
      verifierFromSpkiPem(NAME, ec.publicKey.export({ format: 'pem', type: 'spki' }).toString()),
    ).toThrow(/not Ed25519/);
    for (const name of ['', 'has space', 'has+plus', 'tab\there'])
      expect(() => generateSigningKey(name)).toThrow(/key name/);
    expect(() => publicKeyToSpkiPem(new Uint8Array(31))).toThrow(/32/);
  });
});
