import { nodeHash, emptyRoot } from '../merkle/hash.js';

/**
 * The right edge of an RFC 9162 tree being rebuilt leaf by leaf: perfect subtree roots of
 * decreasing size. Enough to know the root at every size without keeping the leaves.
 */
export const createCompactRange = () => {
  const hashes: Uint8Array[] = [];
  const sizes: number[] = [];
  let count = 0;
  return {
    size: () => count,
    push: (leaf: Uint8Array): void => {
      let h = leaf;
      let s = 1;
      while (sizes.length > 0 && sizes[sizes.length - 1] === s) {
        h = nodeHash(hashes.pop()!, h);
        s += sizes.pop()!;
      }
      hashes.push(h);
      sizes.push(s);
      count++;
    },
    root: (): Uint8Array => {
      if (hashes.length === 0) return emptyRoot();
      let root = hashes[hashes.length - 1]!;
      for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i]!, root);
      return root;
    },
  };
};
