import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../durable-file.js';

const KEY_BYTES = 32;
const VERSION = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;

/**
 * The key-encryption key: wraps the per-subject data keys at rest.
 *
 * Wrapping is AES-256-GCM (not AES-KW, which has no associated data) with a fresh random nonce:
 * `0x01 ‖ nonce(12) ‖ encrypted key ‖ tag(16)`, 61 bytes for a 32-byte data key. The associated
 * data names what the wrapped key belongs to, so a wrapped key copied to another row fails to
 * unwrap.
 */
export interface Kek {
  /** Short public fingerprint (`kek_` + 16 hex), safe to log and store beside wrapped keys. */
  readonly id: string;
  wrap(dataKey: Uint8Array, aad: string): Uint8Array;
  /** @throws KekError when the bytes were not wrapped by this KEK with this associated data. */
  unwrap(wrapped: Uint8Array, aad: string): Uint8Array;
}

/** The KEK is missing, unsafe or does not open a wrapped key. Never contains key material. */
export class KekError extends Error {
  override readonly name = 'KekError';
}

/** File name of the embedded-mode KEK inside the data directory. */
export const KEK_FILE = 'kek.key';

/**
 * The KEK from configuration (`configured`: base64 of 32 bytes) or, in embedded mode, from
 * `<dataDir>/kek.key` (32 raw bytes), created once with mode 0600 when absent.
 *
 * An existing key file that group or others may read or write, or that is not exactly 32 bytes, is
 * refused rather than used. Whoever holds this key and a copy of the key vault can read every
 * sealed field that was not yet erased: keep it out of the vault's backups.
 *
 * @throws KekError naming the problem (never the key).
 */
export const loadOrCreateKek = (deps: { dataDir: string; configured?: string }): Kek =>
  kekFromBytes(
    deps.configured === undefined
      ? readOrCreateKeyFile(deps.dataDir)
      : decodeConfigured(deps.configured),
  );

/** A KEK over the given 32 bytes; the caller's buffer is zeroed once the key object holds them. */
export const kekFromBytes = (bytes: Uint8Array): Kek => {
  if (bytes.length !== KEY_BYTES)
    throw new KekError(`a KEK is ${KEY_BYTES} bytes, got ${bytes.length}`);
  const id = `kek_${createHash('sha256').update('gouvernail-kek-id/v1\n').update(bytes).digest('hex').slice(0, 16)}`;
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return {
    id,
    wrap: (dataKey, aad) => wrap(key, dataKey, aad),
    unwrap: (wrapped, aad) => unwrap(key, id, wrapped, aad),
  };
};

const wrap = (key: KeyObject, dataKey: Uint8Array, aad: string): Uint8Array => {
  const out = Buffer.allocUnsafe(HEADER_BYTES + dataKey.length + TAG_BYTES);
  out[0] = VERSION;
  randomBytes(NONCE_BYTES).copy(out, 1);
  const cipher = createCipheriv('aes-256-gcm', key, out.subarray(1, HEADER_BYTES));
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  let offset = HEADER_BYTES + cipher.update(dataKey).copy(out, HEADER_BYTES);
  offset += cipher.final().copy(out, offset);
  cipher.getAuthTag().copy(out, offset);
  return out;
};

const unwrap = (key: KeyObject, id: string, wrapped: Uint8Array, aad: string): Uint8Array => {
  if (wrapped.length < HEADER_BYTES + TAG_BYTES || wrapped[0] !== VERSION) {
    throw new KekError('wrapped key has an unknown version or is too short');
  }
  const view = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength);
  const tagAt = view.length - TAG_BYTES;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, view.subarray(1, HEADER_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(view.subarray(tagAt));
    return Buffer.concat([decipher.update(view.subarray(HEADER_BYTES, tagAt)), decipher.final()]);
  } catch (cause) {
    throw new KekError(
      `wrapped key does not open under ${id} (other KEK, or moved to another row)`,
      { cause },
    );
  }
};

const decodeConfigured = (configured: string): Buffer => {
  const text = configured.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw new KekError('configured KEK is not base64');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== KEY_BYTES) {
    throw new KekError(
      `configured KEK must be base64 of ${KEY_BYTES} bytes, it decodes to ${bytes.length}`,
    );
  }
  return bytes;
};

const readOrCreateKeyFile = (dataDir: string): Buffer => {
  const file = join(dataDir, KEK_FILE);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!existsSync(file)) createKeyFile(file);
  return readKeyFile(file);
};

/** Never a partial key, never a clobber (see writeFileDurably). */
const createKeyFile = (file: string): void => {
  try {
    writeFileDurably(file, randomBytes(KEY_BYTES), { replace: false });
  } catch (e) {
    throw new KekError(`cannot create ${file}: ${(e as Error).message}`, { cause: e });
  }
};

const readKeyFile = (file: string): Buffer => {
  const fd = openSync(file, 'r');
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new KekError(`${file} is not a regular file`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new KekError(
        `${file} is accessible to group or others (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 on it`,
      );
    }
    if (stat.size !== KEY_BYTES)
      throw new KekError(`${file} must hold exactly ${KEY_BYTES} bytes, it holds ${stat.size}`);
    const bytes = Buffer.alloc(KEY_BYTES);
    if (readSync(fd, bytes, 0, KEY_BYTES, 0) !== KEY_BYTES)
      throw new KekError(`${file} could not be read in full`);
    return bytes;
  } finally {
    closeSync(fd);
  }
};
