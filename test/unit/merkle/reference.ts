import { createHash } from 'node:crypto';

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

export const refLeaf = (entry: Uint8Array): Uint8Array => sha256(Uint8Array.of(0), entry);
const refNode = (l: Uint8Array, r: Uint8Array): Uint8Array => sha256(Uint8Array.of(1), l, r);

const split = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/** RFC 9162 §2.1.1 MTH, straight from the definition. */
export const refRoot = (leaves: readonly Uint8Array[]): Uint8Array => {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0] as Uint8Array;
  const k = split(leaves.length);
  return refNode(refRoot(leaves.slice(0, k)), refRoot(leaves.slice(k)));
};

/** RFC 9162 §2.1.3.1 PATH(m, D[n]). */
export const refPath = (m: number, leaves: readonly Uint8Array[]): Uint8Array[] => {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...refPath(m, leaves.slice(0, k)), refRoot(leaves.slice(k))]
    : [...refPath(m - k, leaves.slice(k)), refRoot(leaves.slice(0, k))];
};

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b). */
const refSubproof = (m: number, leaves: readonly Uint8Array[], whole: boolean): Uint8Array[] => {
  if (m === leaves.length) return whole ? [] : [refRoot(leaves)];
  const k = split(leaves.length);
  return m <= k
    ? [...refSubproof(m, leaves.slice(0, k), whole), refRoot(leaves.slice(k))]
    : [...refSubproof(m - k, leaves.slice(k), false), refRoot(leaves.slice(0, k))];
};

export const refConsistency = (m: number, leaves: readonly Uint8Array[]): Uint8Array[] =>
  m === 0 ? [] : refSubproof(m, leaves, true);

/** Deterministic distinct leaf hashes. */
export const makeLeaves = (count: number, seed = 0): Uint8Array[] =>
  Array.from({ length: count }, (_, i) =>
    refLeaf(Buffer.from(`entry ${String(seed)}/${String(i)}`)),
  );

/** The left/right decisions PATH(m, D[n]) takes: the only thing an inclusion proof says about m and n. */
export const pathShape = (m: number, n: number): string => {
  if (n <= 1) return '';
  const k = split(n);
  return m < k ? `${pathShape(m, k)}R` : `${pathShape(m - k, n - k)}L`;
};

/** The decisions SUBPROOF(m, D[n], true) takes, and whether it ends on a whole subtree. */
export const consistencyShape = (m: number, n: number, whole = true): string => {
  if (m === n) return whole ? '' : '*';
  const k = split(n);
  return m <= k ? `${consistencyShape(m, k, whole)}R` : `${consistencyShape(m - k, n - k, false)}L`;
};
