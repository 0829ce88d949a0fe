import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import {
  checkKeyName,
  formatVerifierKey,
  NoteError,
  noteKeyHash,
  parseVerifierKey,
} from './note.js';

/** An Ed25519 note signer (C2SP signed-note, signature type 0x01). */
export interface Signer {
  readonly name: string;
  /** The 4-byte key ID. */
  readonly keyHash: Uint8Array;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** An Ed25519 note verifier: a trusted key and its name. */
export interface Verifier {
  readonly name: string;
  /** The 4-byte key ID. */
  readonly keyHash: Uint8Array;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** A freshly generated signing key with everything needed to keep and publish it. */
export interface GeneratedSigningKey {
  readonly signer: Signer;
  /** PKCS#8 PEM of the private key: keep it secret. */
  readonly privateKeyPem: string;
  /** SPKI PEM of the public key. */
  readonly publicKeyPem: string;
  /** C2SP verifier key, for auditors. */
  readonly vkey: string;
}

const rawPublicKey = (key: KeyObject): Uint8Array => {
  const { x } = key.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new NoteError('malformed', 'not an Ed25519 key');
  return new Uint8Array(Buffer.from(x, 'base64url'));
};

const requireEd25519 = (key: KeyObject, what: string): KeyObject => {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new NoteError(
      'malformed',
      `${what} is a ${key.asymmetricKeyType ?? 'symmetric'} key, not Ed25519`,
    );
  }
  return key;
};

const publicKeyFromRaw = (publicKey: Uint8Array): KeyObject => {
  if (publicKey.length !== 32)
    throw new NoteError(
      'malformed',
      `Ed25519 public key has ${String(publicKey.length)} bytes, expected 32`,
    );
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
};

const signerOf = (name: string, privateKey: KeyObject): Signer => {
  checkKeyName(name);
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  return {
    name,
    keyHash: noteKeyHash(name, publicKey),
    publicKey,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
};

const verifierOf = (name: string, key: KeyObject): Verifier => {
  checkKeyName(name);
  const publicKey = rawPublicKey(key);
  return {
    name,
    keyHash: noteKeyHash(name, publicKey),
    publicKey,
    verify: (message, signature) => {
      if (signature.length !== 64) return false;
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
};

/** Generates an Ed25519 signing key named `name` (a schema-less URL such as `example.com/audit`). */
export const generateSigningKey = (name: string): GeneratedSigningKey => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = signerOf(name, privateKey);
  return {
    signer,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    vkey: formatVerifierKey(signer),
  };
};

/** A signer from an Ed25519 private key in PKCS#8 PEM. */
export const signerFromPkcs8Pem = (name: string, pem: string): Signer =>
  signerOf(name, requireEd25519(createPrivateKey({ key: pem, format: 'pem' }), 'private key'));

/** A verifier from a C2SP verifier key (`<name>+<key ID>+<base64 key>`). */
export const verifierFromVkey = (vkey: string): Verifier => {
  const { name, publicKey } = parseVerifierKey(vkey);
  return verifierOf(name, publicKeyFromRaw(publicKey));
};

/** A verifier from an Ed25519 public key in SPKI PEM. */
export const verifierFromSpkiPem = (name: string, pem: string): Verifier =>
  verifierOf(name, requireEd25519(createPublicKey({ key: pem, format: 'pem' }), 'public key'));

/** SPKI PEM of a raw 32-byte Ed25519 public key (e.g. `signer.publicKey`). */
export const publicKeyToSpkiPem = (publicKey: Uint8Array): string =>
  publicKeyFromRaw(publicKey).export({ format: 'pem', type: 'spki' }).toString();
