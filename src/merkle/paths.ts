import { splitPoint } from './tile-reader.js';

/** MTH(D[start:end]) of the tree the path is computed over. */
export type RangeRoot = (start: number, end: number) => Uint8Array;

/**
 * RFC 9162 §2.1.3.1 PATH(m, D[n]): the audit path of leaf `index` in the tree of `size` leaves,
 * leaf-side first. Requires 0 ≤ index < size.
 */
export const inclusionPath = (index: number, size: number, rangeRoot: RangeRoot): Uint8Array[] => {
  const path: Uint8Array[] = [];
  let start = 0;
  let end = size;
  let m = index;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      path.push(rangeRoot(start + k, end));
      end = start + k;
    } else {
      path.push(rangeRoot(start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
};

/**
 * RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), deepest node first.
 * Requires 0 < from < to.
 */
export const consistencyPath = (from: number, to: number, rangeRoot: RangeRoot): Uint8Array[] => {
  const path: Uint8Array[] = [];
  let start = 0;
  let end = to;
  let m = from;
  let whole = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      path.push(rangeRoot(start + k, end));
      end = start + k;
    } else {
      path.push(rangeRoot(start, start + k));
      start += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) path.push(rangeRoot(start, end));
  return path.reverse();
};
