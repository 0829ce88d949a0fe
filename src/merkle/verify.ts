import { emptyRoot, HASH_SIZE, nodeHash, sameBytes } from './hash.js';

const MAX_PROOF_LENGTH = 128;

const isHash = (value: unknown): value is Uint8Array =>
  value instanceof Uint8Array && value.length === HASH_SIZE;

const isSize = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

const isProof = (proof: unknown): proof is readonly Uint8Array[] =>
  Array.isArray(proof) && proof.length <= MAX_PROOF_LENGTH && proof.every(isHash);

const half = (n: number): number => Math.floor(n / 2);
const odd = (n: number): boolean => n % 2 === 1;

const isPowerOfTwo = (n: number): boolean => {
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
};

/**
 * RFC 9162 §2.1.3.2: does `proof` show that `leafHash` is leaf `index` of the tree of `treeSize`
 * leaves whose root is `root`? Malformed input answers false.
 */
export const verifyInclusion = ({
  leafHash,
  index,
  treeSize,
  proof,
  root,
}: {
  leafHash: Uint8Array;
  index: number;
  treeSize: number;
  proof: readonly Uint8Array[];
  root: Uint8Array;
}): boolean => {
  if (!isHash(leafHash) || !isHash(root) || !isSize(index) || !isSize(treeSize) || !isProof(proof))
    return false;
  if (index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameBytes(r, root);
};

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of `toSize` leaves with root `toRoot` extends
 * the tree of `fromSize` leaves with root `fromRoot`? Equal sizes need equal roots and an empty
 * proof; size 0 needs the empty-tree root and an empty proof. Malformed input answers false.
 */
export const verifyConsistency = ({
  fromSize,
  toSize,
  proof,
  fromRoot,
  toRoot,
}: {
  fromSize: number;
  toSize: number;
  proof: readonly Uint8Array[];
  fromRoot: Uint8Array;
  toRoot: Uint8Array;
}): boolean => {
  if (
    !isSize(fromSize) ||
    !isSize(toSize) ||
    !isHash(fromRoot) ||
    !isHash(toRoot) ||
    !isProof(proof)
  )
    return false;
  if (fromSize > toSize) return false;
  if (fromSize === toSize) return proof.length === 0 && sameBytes(fromRoot, toRoot);
  if (fromSize === 0) return proof.length === 0 && sameBytes(fromRoot, emptyRoot());
  if (proof.length === 0) return false;

  const path = isPowerOfTwo(fromSize) ? [fromRoot, ...proof] : proof;
  let fn = fromSize - 1;
  let sn = toSize - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  const [first, ...rest] = path as [Uint8Array, ...Uint8Array[]];
  let fr = first;
  let sr = first;
  for (const c of rest) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameBytes(fr, fromRoot) && sameBytes(sr, toRoot);
};
