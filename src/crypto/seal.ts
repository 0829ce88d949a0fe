import { createCipheriv, createDecipheriv, hash, randomFillSync } from 'node:crypto';
import { canonicalize } from '../../domain/canonical.js';
import type { SealedRef } from '../../domain/envelope.js';
import type { DataKey } from './key-vault.js';

const VERSION = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;

/** `key-missing`: the vault holds no record of the key (lost or replaced), unlike `key-destroyed`. */
export type SealFailure =
  'commitment-mismatch' | 'authentication-failed' | 'malformed' | 'key-destroyed' | 'key-missing';

/** Why a sealed blob could not be opened. */
export class SealError extends Error {
  override readonly name = 'SealError';
  constructor(
    readonly reason: SealFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const NONCES_PER_FILL = 4096;
const noncePool = Buffer.alloc(NONCE_BYTES * NONCES_PER_FILL);
let nextNonce = NONCES_PER_FILL;

/** Copies a fresh CSPRNG nonce into `blob[1..13)`; one `randomFillSync` per 4096 seals (each call costs µs). */
const takeNonce = (blob: Buffer): void => {
  if (nextNonce === NONCES_PER_FILL) {
    randomFillSync(noncePool);
    nextNonce = 0;
  }
  const at = nextNonce++ * NONCE_BYTES;
  noncePool.copy(blob, 1, at, at + NONCE_BYTES);
};

/**
 * The associated data every seal is bound to: the UTF-8 bytes of the canonical JSON array
 * `["gouvernail-seal/v1", origin, subject, eventId, keyId]`. A blob moved to another log, subject,
 * event or key no longer authenticates.
 */
export const sealAad = (origin: string, subject: string, eventId: string, keyId: string): Buffer =>
  Buffer.from(canonicalize(['gouvernail-seal/v1', origin, subject, eventId, keyId]), 'utf8');

/** base64url (no padding, 43 characters) of SHA-256(blob): what the log entry keeps. */
export const commitmentOf = (blob: Uint8Array): string => hash('sha256', blob, 'base64url');

/**
 * Encrypts one subject's personal fields of one event with AES-256-GCM under the subject's data
 * key and a fresh random 96-bit nonce.
 *
 * Plaintext: RFC 8785 canonical JSON of `fields`. Blob: `0x01 ‖ nonce(12) ‖ ciphertext ‖ tag(16)`.
 * Associated data: {@link sealAad}. The returned ref (key id, sorted field names, commitment) goes
 * into the log entry; the blob is stored beside the log and may be deleted later.
 *
 * @throws RangeError when `key` belongs to another subject (erasing this subject would not shred it).
 */
export const sealFields = (args: {
  origin: string;
  eventId: string;
  subject: string;
  fields: Readonly<Record<string, unknown>>;
  key: DataKey;
}): { ref: SealedRef; blob: Uint8Array } => {
  const { origin, eventId, subject, fields, key } = args;
  if (key.subject !== subject) {
    throw new RangeError(`data key ${key.keyId} belongs to another subject than ${subject}`);
  }
  const plaintext = Buffer.from(canonicalize(fields), 'utf8');
  const blob = Buffer.allocUnsafe(HEADER_BYTES + plaintext.length + TAG_BYTES);
  blob[0] = VERSION;
  takeNonce(blob);
  const cipher = createCipheriv('aes-256-gcm', key.key, blob.subarray(1, HEADER_BYTES));
  cipher.setAAD(sealAad(origin, subject, eventId, key.keyId));
  let offset = HEADER_BYTES + cipher.update(plaintext).copy(blob, HEADER_BYTES);
  offset += cipher.final().copy(blob, offset);
  cipher.getAuthTag().copy(blob, offset);
  return {
    ref: { commitment: commitmentOf(blob), fields: fieldNames(fields), keyId: key.keyId },
    blob,
  };
};

/**
 * Opens a blob made by {@link sealFields}. Checks, in order: the blob against `ref.commitment`,
 * its format, that a key is still there (`key` null means the subject was erased), that the key
 * is the one the ref names, GCM authentication over the same associated data, and that the fields
 * are exactly those the ref lists.
 *
 * @throws SealError with the failing check as `reason`.
 */
export const unsealFields = (args: {
  origin: string;
  eventId: string;
  subject: string;
  ref: SealedRef;
  blob: Uint8Array;
  key: DataKey | null;
}): Record<string, unknown> => {
  const { origin, eventId, subject, ref, blob, key } = args;
  if (commitmentOf(blob) !== ref.commitment) {
    throw new SealError(
      'commitment-mismatch',
      'sealed blob does not match the commitment in the log',
    );
  }
  if (blob.length < HEADER_BYTES + TAG_BYTES || blob[0] !== VERSION) {
    throw new SealError(
      'malformed',
      `sealed blob has an unknown version or is too short (${blob.length} bytes)`,
    );
  }
  if (key === null) {
    throw new SealError(
      'key-destroyed',
      `data key ${ref.keyId} was destroyed: the fields are erased`,
    );
  }
  if (key.keyId !== ref.keyId) {
    throw new SealError(
      'authentication-failed',
      `blob was sealed under ${ref.keyId}, not ${key.keyId}`,
    );
  }
  const view = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const tagAt = view.length - TAG_BYTES;
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, view.subarray(1, HEADER_BYTES));
    decipher.setAAD(sealAad(origin, subject, eventId, ref.keyId));
    decipher.setAuthTag(view.subarray(tagAt));
    plaintext = Buffer.concat([
      decipher.update(view.subarray(HEADER_BYTES, tagAt)),
      decipher.final(),
    ]);
  } catch (cause) {
    throw new SealError(
      'authentication-failed',
      'sealed blob does not authenticate under this key and context',
      {
        cause,
      },
    );
  }
  const fields = parseObject(plaintext);
  if (!sameNames(fieldNames(fields), ref.fields)) {
    throw new SealError('malformed', 'decrypted fields differ from the field names in the log');
  }
  return fields;
};

const fieldNames = (fields: Readonly<Record<string, unknown>>): string[] =>
  Object.keys(fields)
    .filter((k) => fields[k] !== undefined)
    .sort();

const sameNames = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((name, i) => name === b[i]);

const parseObject = (plaintext: Buffer): Record<string, unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(plaintext.toString('utf8'));
  } catch (cause) {
    throw new SealError('malformed', 'decrypted fields are not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SealError('malformed', 'decrypted fields are not a JSON object');
  }
  return value as Record<string, unknown>;
};
