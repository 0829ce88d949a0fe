import { createHash } from 'node:crypto';
import { sameBytes } from '../merkle/hash.js';
import type { Signer, Verifier } from './keys.js';

/** A tree head as C2SP tlog-checkpoint writes it: log origin, tree size and RFC 9162 root. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
}

/** One signature line of a signed note. */
export interface NoteSignature {
  readonly name: string;
  /** The 4-byte key ID. */
  readonly keyHash: Uint8Array;
  readonly signature: Uint8Array;
}

/** A signed note split into its text (ending in a newline) and signatures. */
export interface ParsedNote {
  readonly body: string;
  readonly signatures: readonly NoteSignature[];
}

/** Why a note was refused. */
export type NoteErrorReason = 'malformed' | 'unknown-key' | 'bad-signature';

export class NoteError extends Error {
  override readonly name = 'NoteError';
  constructor(
    readonly reason: NoteErrorReason,
    message: string,
  ) {
    super(message);
  }
}

const ED25519 = 0x01;
const MAX_SIGNATURES = 100;
const SIGNATURE_PREFIX = '\u2014 ';
const LONE_SURROGATE = /\p{Cs}/u;
const SPACE_OR_PLUS = /[\s+]/u;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const hasControl = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x0a) return true;
  }
  return false;
};

const malformed = (message: string): NoteError => new NoteError('malformed', message);

/** Strict standard base64 (RFC 4648 §4, padded); undefined when not canonical. */
const fromBase64 = (text: string): Uint8Array | undefined => {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined;
};
const toBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
const toHex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');

/** Throws a NoteError unless `name` is a valid C2SP key name: non-empty, no spaces, no "+". */
export const checkKeyName = (name: string): void => {
  if (
    name.length === 0 ||
    SPACE_OR_PLUS.test(name) ||
    hasControl(name) ||
    LONE_SURROGATE.test(name)
  ) {
    throw malformed(`key name ${JSON.stringify(name)} must be non-empty, without spaces or "+"`);
  }
};

const checkText = (text: string, what: string): void => {
  if (hasControl(text)) throw malformed(`${what} contains a control character other than newline`);
  if (LONE_SURROGATE.test(text)) throw malformed(`${what} is not valid UTF-8`);
};

const checkBody = (body: string): void => {
  checkText(body, 'note text');
  if (!body.endsWith('\n')) throw malformed('note text must end with a newline');
};

/** C2SP signed-note key ID of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. */
export const noteKeyHash = (name: string, publicKey: Uint8Array): Uint8Array =>
  new Uint8Array(
    createHash('sha256')
      .update(name, 'utf8')
      .update(Uint8Array.of(0x0a, ED25519))
      .update(publicKey)
      .digest()
      .subarray(0, 4),
  );

/** C2SP tlog-checkpoint note text: origin, decimal size and base64 root, each on its own line. */
export const formatCheckpointBody = ({ origin, size, root }: Checkpoint): string => {
  if (origin.length === 0 || origin.includes('\n'))
    throw malformed('checkpoint origin must be one non-empty line');
  checkText(origin, 'checkpoint origin');
  if (!Number.isSafeInteger(size) || size < 0)
    throw malformed(`checkpoint size ${String(size)} is not a non-negative integer`);
  if (root.length !== 32)
    throw malformed(`checkpoint root has ${String(root.length)} bytes, expected 32`);
  return `${origin}\n${String(size)}\n${toBase64(root)}\n`;
};

/** Parses C2SP tlog-checkpoint note text; extension lines are accepted and ignored. */
export const parseCheckpointBody = (body: string): Checkpoint => {
  checkBody(body);
  const lines = body.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (origin === undefined || sizeLine === undefined || rootLine === undefined) {
    throw malformed('checkpoint needs an origin, a size and a root hash line');
  }
  if (origin.length === 0) throw malformed('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) {
    throw malformed(
      `checkpoint size ${JSON.stringify(sizeLine)} is not a decimal number without leading zeros below 2^53`,
    );
  }
  const root = fromBase64(rootLine);
  if (root?.length !== 32) throw malformed('checkpoint root hash is not the base64 of 32 bytes');
  if (extensions.some((line) => line.length === 0))
    throw malformed('checkpoint extension lines must not be empty');
  return { origin, size: Number(sizeLine), root };
};

/** Signs note text with an Ed25519 key: the text, a blank line and one C2SP signature line. */
export const signNote = (body: string, signer: Signer): string => {
  checkBody(body);
  checkKeyName(signer.name);
  const signature = signer.sign(new TextEncoder().encode(body));
  const payload = new Uint8Array(4 + signature.length);
  payload.set(signer.keyHash, 0);
  payload.set(signature, 4);
  return `${body}\n${SIGNATURE_PREFIX}${signer.name} ${toBase64(payload)}\n`;
};

const parseSignatureLine = (line: string): NoteSignature => {
  if (!line.startsWith(SIGNATURE_PREFIX))
    throw malformed('signature line must start with an em dash and a space');
  const parts = line.slice(SIGNATURE_PREFIX.length).split(' ');
  const [name, encoded] = parts;
  if (parts.length !== 2 || name === undefined || encoded === undefined) {
    throw malformed('signature line must be "— <key name> <base64 signature>"');
  }
  checkKeyName(name);
  const payload = fromBase64(encoded);
  if (payload === undefined || payload.length < 5)
    throw malformed(`signature by ${name} is not valid base64 of a key ID and a signature`);
  return { name, keyHash: payload.slice(0, 4), signature: payload.slice(4) };
};

/** Splits a C2SP signed note into its text and signature lines, refusing malformed notes. */
export const parseNote = (text: string): ParsedNote => {
  checkText(text, 'note');
  if (!text.endsWith('\n')) throw malformed('note must end with a newline');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no blank line before its signatures');
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2, -1);
  if (block.length === 0) throw malformed('note has no signature lines');
  const lines = block.split('\n');
  if (lines.length > MAX_SIGNATURES)
    throw malformed(`note has more than ${String(MAX_SIGNATURES)} signatures`);
  return { body, signatures: lines.map(parseSignatureLine) };
};

/**
 * Verifies a signed checkpoint with one trusted key and returns the checkpoint it signs.
 * Signatures by other keys are ignored; throws a NoteError when the note is malformed, carries no
 * signature by this key, or a signature by this key does not verify.
 */
export const verifyNote = (text: string, verifier: Verifier): Checkpoint => {
  const { body, signatures } = parseNote(text);
  const known = signatures.filter(
    (s) => s.name === verifier.name && sameBytes(s.keyHash, verifier.keyHash),
  );
  if (known.length === 0) {
    throw new NoteError(
      'unknown-key',
      `note carries no signature by ${verifier.name}+${toHex(verifier.keyHash)}`,
    );
  }
  const message = new TextEncoder().encode(body);
  if (!known.every((s) => verifier.verify(message, s.signature))) {
    throw new NoteError('bad-signature', `signature by ${verifier.name} does not verify`);
  }
  return parseCheckpointBody(body);
};

/** C2SP verifier key: `<name>+<hex key ID>+<base64(0x01 ‖ Ed25519 public key)>`. */
export const formatVerifierKey = ({
  name,
  publicKey,
}: {
  name: string;
  publicKey: Uint8Array;
}): string => {
  checkKeyName(name);
  if (publicKey.length !== 32)
    throw malformed(`Ed25519 public key has ${String(publicKey.length)} bytes, expected 32`);
  const encoded = new Uint8Array(33);
  encoded[0] = ED25519;
  encoded.set(publicKey, 1);
  return `${name}+${toHex(noteKeyHash(name, publicKey))}+${toBase64(encoded)}`;
};

/** Parses a C2SP Ed25519 verifier key, checking that its key ID matches the key. */
export const parseVerifierKey = (
  vkey: string,
): { readonly name: string; readonly keyHash: Uint8Array; readonly publicKey: Uint8Array } => {
  const match = /^([^+]*)\+([0-9a-fA-F]{8})\+(.*)$/s.exec(vkey.trim());
  if (match === null) throw malformed('verifier key must be "<name>+<8 hex digits>+<base64 key>"');
  const [, name = '', hash = '', encoded = ''] = match;
  checkKeyName(name);
  const key = fromBase64(encoded);
  if (key?.length !== 33)
    throw malformed('verifier key is not the base64 of a type byte and a 32-byte key');
  if (key[0] !== ED25519)
    throw malformed(`verifier key type 0x${toHex(key.subarray(0, 1))} is not Ed25519 (0x01)`);
  const publicKey = key.slice(1);
  const keyHash = noteKeyHash(name, publicKey);
  if (toHex(keyHash) !== hash.toLowerCase())
    throw malformed(`verifier key ID ${hash} does not match its key`);
  return { name, keyHash, publicKey };
};
