import { createHash, hash } from 'node:crypto';

/** Size in bytes of every Merkle hash (SHA-256). */
export const HASH_SIZE = 32;

/** Whether two byte strings (hashes, roots) are equal. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

const LEAF_PREFIX = Uint8Array.of(0x00);
const SCRATCH_LIMIT = 64 * 1024;
let scratch = Buffer.alloc(1024);
const pair = Buffer.alloc(1 + 2 * HASH_SIZE);
pair[0] = 0x01;

/** RFC 9162 leaf hash: SHA-256(0x00 ‖ entry). */
export const leafHash = (entry: Uint8Array): Uint8Array => {
  const length = entry.length + 1;
  if (length > SCRATCH_LIMIT)
    return createHash('sha256').update(LEAF_PREFIX).update(entry).digest();
  if (length > scratch.length) scratch = Buffer.alloc(2 ** Math.ceil(Math.log2(length)));
  scratch[0] = 0x00;
  scratch.set(entry, 1);
  return hash('sha256', scratch.subarray(0, length), 'buffer');
};

/** RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new TypeError(`nodeHash expects two ${String(HASH_SIZE)}-byte hashes`);
  }
  pair.set(left, 1);
  pair.set(right, 1 + HASH_SIZE);
  return hash('sha256', pair, 'buffer');
};

const EMPTY_ROOT = createHash('sha256').digest();

/** Root of the empty tree: SHA-256 of the empty string. */
export const emptyRoot = (): Uint8Array => new Uint8Array(EMPTY_ROOT);
