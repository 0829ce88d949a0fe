import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyRoot, leafHash, nodeHash } from '../../../src/merkle/hash.js';
import { createMemoryTileStore } from '../../../src/merkle/memory-tile-store.js';
import { createMerkleTree } from '../../../src/merkle/tree.js';
import { verifyConsistency, verifyInclusion } from '../../../src/merkle/verify.js';
import { hex, unhex } from './reference.js';

// Test vectors of the certificate-transparency reference implementation (RFC 6962).
const ENTRIES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION = [
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    index: 2,
    size: 3,
    proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'],
  },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CONSISTENCY = [
  {
    from: 1,
    to: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    from: 6,
    to: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    from: 2,
    to: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const referenceTree = () => {
  const tree = createMerkleTree({ tiles: createMemoryTileStore(), size: 0 });
  tree.append(ENTRIES.map(leafHash));
  return tree;
};

describe('RFC 6962 known answers', () => {
  it('hashes the empty tree, leaves and nodes with the RFC prefixes', () => {
    expect(hex(emptyRoot())).toBe(EMPTY);
    expect(hex(leafHash(new Uint8Array()))).toBe(ROOTS[0]);
    const [a, b] = ENTRIES.map(leafHash) as [Uint8Array, Uint8Array];
    expect(hex(nodeHash(a, b))).toBe(ROOTS[1]);
  });

  it('hashes an entry larger than the scratch buffer like a plain SHA-256(0x00 ‖ entry)', () => {
    for (const size of [1023, 1024, 5000, 70_000]) {
      const entry = new Uint8Array(size).map((_, i) => i % 251);
      const expected = createHash('sha256').update(Uint8Array.of(0)).update(entry).digest('hex');
      expect(hex(leafHash(entry))).toBe(expected);
    }
    expect(hex(leafHash(Uint8Array.of(0x10)))).toBe(hex(ENTRIES.map(leafHash)[2] as Uint8Array));
  });

  it('has the reference root for every size 0..8', () => {
    const tree = referenceTree();
    expect(hex(tree.rootAt(0))).toBe(EMPTY);
    ROOTS.forEach((root, i) => {
      expect(hex(tree.rootAt(i + 1))).toBe(root);
    });
    expect(hex(tree.root())).toBe(ROOTS[7]);
  });

  it('grows through the reference roots one leaf at a time', () => {
    const tree = createMerkleTree({ tiles: createMemoryTileStore(), size: 0 });
    expect(hex(tree.root())).toBe(EMPTY);
    ENTRIES.forEach((entry, i) => {
      tree.append([leafHash(entry)]);
      expect(hex(tree.root())).toBe(ROOTS[i]);
    });
  });

  it.each(INCLUSION)(
    'produces and verifies the reference inclusion proof of leaf $index in size $size',
    ({ index, size, proof }) => {
      const tree = referenceTree();
      expect(tree.inclusionProof(index, size).map(hex)).toEqual(proof);
      const root = unhex(ROOTS[size - 1] as string);
      expect(
        verifyInclusion({
          leafHash: leafHash(ENTRIES[index] as Uint8Array),
          index,
          treeSize: size,
          proof: proof.map(unhex),
          root,
        }),
      ).toBe(true);
    },
  );

  it.each(CONSISTENCY)(
    'produces and verifies the reference consistency proof $from → $to',
    ({ from, to, proof }) => {
      const tree = referenceTree();
      expect(tree.consistencyProof(from, to).map(hex)).toEqual(proof);
      const fromRoot = unhex(ROOTS[from - 1] as string);
      const toRoot = unhex(ROOTS[to - 1] as string);
      expect(
        verifyConsistency({
          fromSize: from,
          toSize: to,
          proof: proof.map(unhex),
          fromRoot,
          toRoot,
        }),
      ).toBe(true);
    },
  );
});
