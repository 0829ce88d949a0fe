import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryTileStore } from '../../../src/merkle/memory-tile-store.js';
import { createMerkleTree } from '../../../src/merkle/tree.js';
import { verifyConsistency, verifyInclusion } from '../../../src/merkle/verify.js';
import { hex, makeLeaves, refConsistency, refPath, refRoot } from './reference.js';
import { batchesOf, recordingStore } from './support.js';

const build = (leaves: readonly Uint8Array[], batchSizes: readonly number[] = [leaves.length]) => {
  const recording = recordingStore();
  const tree = createMerkleTree({ tiles: recording.store, size: 0 });
  for (const batch of batchesOf(leaves, batchSizes)) tree.append(batch);
  return { tree, ...recording };
};

const treeShape = fc.record({
  size: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 3000 })),
  batches: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
  seed: fc.nat(),
});

const log2 = (n: number): number => Math.ceil(Math.log2(Math.max(n, 2)));

describe('createMerkleTree', () => {
  it('has the RFC 9162 root at every size, whatever the batch sizes', () => {
    fc.assert(
      fc.property(treeShape, ({ size, batches, seed }) => {
        const leaves = makeLeaves(size, seed);
        const tree = createMerkleTree({ tiles: createMemoryTileStore(), size: 0 });
        for (const batch of batchesOf(leaves, batches)) {
          tree.append(batch);
          expect(hex(tree.root())).toBe(hex(refRoot(leaves.slice(0, tree.size()))));
        }
        expect(tree.size()).toBe(size);
      }),
      { numRuns: 40 },
    );
  });

  it('recomputes every earlier root and leaf from its tiles', () => {
    const leaves = makeLeaves(520);
    const { tree } = build(leaves, [37, 300, 1]);
    for (let n = 0; n <= leaves.length; n++)
      expect(hex(tree.rootAt(n))).toBe(hex(refRoot(leaves.slice(0, n))));
    leaves.forEach((leaf, i) => {
      expect(hex(tree.leafHashAt(i))).toBe(hex(leaf));
    });
  });

  it('stores C2SP tiles: 256 hashes of level 8·L per tile, the last one narrower', () => {
    fc.assert(
      fc.property(treeShape, ({ size, batches, seed }) => {
        const leaves = makeLeaves(size, seed);
        const { inner } = build(leaves, batches);
        for (let level = 0, span = 1; span <= size; level++, span *= 256) {
          const nodes = Math.floor(size / span);
          for (let index = 0; index * 256 < nodes; index++) {
            const width = Math.min(256, nodes - index * 256);
            const expected = Array.from({ length: width }, (_, j) => {
              const start = (index * 256 + j) * span;
              return hex(refRoot(leaves.slice(start, start + span)));
            }).join('');
            expect(
              hex(inner.get(level, index) ?? new Uint8Array()),
              `tile ${String(level)}/${String(index)}`,
            ).toBe(expected);
          }
          expect(inner.get(level, Math.ceil(nodes / 256))).toBeUndefined();
        }
      }),
      { numRuns: 30 },
    );
  });

  it('writes each changed tile once per append call', () => {
    fc.assert(
      fc.property(treeShape, ({ size, batches, seed }) => {
        const { store, writes } = recordingStore();
        const tree = createMerkleTree({ tiles: store, size: 0 });
        for (const batch of batchesOf(makeLeaves(size, seed), batches)) {
          writes.length = 0;
          const before = tree.size();
          tree.append(batch);
          expect(new Set(writes).size).toBe(writes.length);
          const changed = new Set<string>();
          for (let level = 0, span = 1; span <= tree.size(); level++, span *= 256) {
            const from = Math.floor(before / span);
            const to = Math.floor(tree.size() / span);
            for (let node = from; node < to; node++)
              changed.add(`${String(level)}/${String(Math.floor(node / 256))}`);
          }
          expect(new Set(writes)).toEqual(changed);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('produces the RFC 9162 PATH and SUBPROOF, which verify, from O(log n) tile reads', () => {
    fc.assert(
      fc.property(treeShape, fc.nat(), fc.nat(), fc.nat(), ({ size, batches, seed }, a, b, c) => {
        const leaves = makeLeaves(size, seed);
        const { tree, reads } = build(leaves, batches);
        const treeSize = 1 + (a % size);
        const index = b % treeSize;
        const fromSize = c % (treeSize + 1);
        const root = refRoot(leaves.slice(0, treeSize));

        reads.length = 0;
        const proof = tree.inclusionProof(index, treeSize);
        expect(reads.length).toBeLessThanOrEqual(2 * log2(treeSize));
        expect(proof.map(hex)).toEqual(refPath(index, leaves.slice(0, treeSize)).map(hex));
        expect(
          verifyInclusion({ leafHash: leaves[index] as Uint8Array, index, treeSize, proof, root }),
        ).toBe(true);

        reads.length = 0;
        const consistency = tree.consistencyProof(fromSize, treeSize);
        expect(reads.length).toBeLessThanOrEqual(2 * log2(treeSize));
        const expected =
          fromSize === treeSize ? [] : refConsistency(fromSize, leaves.slice(0, treeSize));
        expect(consistency.map(hex)).toEqual(expected.map(hex));
        const fromRoot = refRoot(leaves.slice(0, fromSize));
        expect(
          verifyConsistency({
            fromSize,
            toSize: treeSize,
            proof: consistency,
            fromRoot,
            toRoot: root,
          }),
        ).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('proves every leaf and every pair of sizes of small trees', () => {
    const leaves = makeLeaves(70);
    const { tree } = build(leaves, [3, 1, 17]);
    const roots = Array.from({ length: 71 }, (_, n) => tree.rootAt(n));
    for (let n = 1; n <= 70; n++) {
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        expect(
          verifyInclusion({
            leafHash: leaves[i] as Uint8Array,
            index: i,
            treeSize: n,
            proof,
            root: roots[n] as Uint8Array,
          }),
        ).toBe(true);
      }
      for (let m = 0; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(
          verifyConsistency({
            fromSize: m,
            toSize: n,
            proof,
            fromRoot: roots[m] as Uint8Array,
            toRoot: roots[n] as Uint8Array,
          }),
        ).toBe(true);
      }
    }
  });

  it('spans several tile levels (level-2 tiles above 65 536 leaves)', () => {
    const leaves = makeLeaves(70_000);
    const { tree, reads, inner } = build(leaves, [1000, 4096, 1, 255]);
    expect(inner.get(2, 0)?.length).toBe(32);
    expect(hex(tree.root())).toBe(hex(refRoot(leaves)));
    for (const n of [65_535, 65_536, 65_537, 69_999])
      expect(hex(tree.rootAt(n))).toBe(hex(refRoot(leaves.slice(0, n))));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70_000 }), fc.nat(), fc.nat(), (treeSize, b, c) => {
        const index = b % treeSize;
        const fromSize = c % (treeSize + 1);
        const root = tree.rootAt(treeSize);
        reads.length = 0;
        const proof = tree.inclusionProof(index, treeSize);
        expect(reads.length).toBeLessThanOrEqual(2 * log2(treeSize));
        expect(
          verifyInclusion({ leafHash: leaves[index] as Uint8Array, index, treeSize, proof, root }),
        ).toBe(true);
        const consistency = tree.consistencyProof(fromSize, treeSize);
        const fromRoot = tree.rootAt(fromSize);
        expect(
          verifyConsistency({
            fromSize,
            toSize: treeSize,
            proof: consistency,
            fromRoot,
            toRoot: root,
          }),
        ).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('continues with identical roots after a reload from the store', () => {
    fc.assert(
      fc.property(treeShape, fc.nat(), ({ size, batches, seed }, cut) => {
        const leaves = makeLeaves(size, seed);
        const split = cut % (size + 1);
        const tiles = createMemoryTileStore();
        const first = createMerkleTree({ tiles, size: 0 });
        for (const batch of batchesOf(leaves.slice(0, split), batches)) first.append(batch);
        const reloaded = createMerkleTree({ tiles, size: split });
        expect(hex(reloaded.root())).toBe(hex(first.root()));
        for (const batch of batchesOf(leaves.slice(split), batches)) {
          reloaded.append(batch);
          expect(hex(reloaded.root())).toBe(hex(refRoot(leaves.slice(0, reloaded.size()))));
        }
        const again = createMerkleTree({ tiles, size });
        expect(hex(again.root())).toBe(hex(refRoot(leaves)));
      }),
      { numRuns: 40 },
    );
  });

  it('keeps its previous state when the store fails during an append', () => {
    const leaves = makeLeaves(600);
    const tiles = createMemoryTileStore();
    const tree = createMerkleTree({ tiles, size: 0 });
    tree.append(leaves.slice(0, 300));
    const failing = {
      get: (level: number, index: number) => tiles.get(level, index),
      put: () => {
        throw new Error('disk full');
      },
    };
    const broken = createMerkleTree({ tiles: failing, size: 300 });
    expect(() => {
      broken.append(leaves.slice(300));
    }).toThrow('disk full');
    expect(broken.size()).toBe(300);
    expect(hex(broken.root())).toBe(hex(refRoot(leaves.slice(0, 300))));
  });

  it('refuses out-of-range indices and sizes, and malformed leaf hashes, with clear errors', () => {
    const { tree } = build(makeLeaves(10));
    expect(() => tree.inclusionProof(10, 10)).toThrow(RangeError);
    expect(() => tree.inclusionProof(-1, 10)).toThrow(RangeError);
    expect(() => tree.inclusionProof(0, 11)).toThrow(/tree size 11 is out of range/);
    expect(() => tree.inclusionProof(0, 0)).toThrow(RangeError);
    expect(() => tree.inclusionProof(1.5, 10)).toThrow(RangeError);
    expect(() => tree.consistencyProof(5, 11)).toThrow(RangeError);
    expect(() => tree.consistencyProof(6, 5)).toThrow(/earlier tree size 6/);
    expect(() => tree.rootAt(11)).toThrow(RangeError);
    expect(() => tree.leafHashAt(10)).toThrow(/leaf index 10 is out of range/);
    expect(() => createMerkleTree({ tiles: createMemoryTileStore(), size: -1 })).toThrow(
      RangeError,
    );
    expect(() => createMerkleTree({ tiles: createMemoryTileStore(), size: 5 })).toThrow(
      /tile store is behind/,
    );
    expect(() => {
      tree.append([new Uint8Array(31)]);
    }).toThrow(TypeError);
    expect(tree.size()).toBe(10);
    expect(tree.consistencyProof(0, 10)).toEqual([]);
    expect(tree.consistencyProof(10, 10)).toEqual([]);
  });

  it('hands out copies, so a caller mutating a proof or root cannot corrupt the tree', () => {
    const leaves = makeLeaves(300);
    const { tree } = build(leaves);
    const root = hex(tree.root());
    tree.root().fill(0);
    for (const hash of tree.inclusionProof(0, 300)) hash.fill(0);
    tree.leafHashAt(299).fill(0);
    expect(hex(tree.root())).toBe(root);
    expect(hex(tree.rootAt(299))).toBe(hex(refRoot(leaves.slice(0, 299))));
    expect(hex(tree.leafHashAt(299))).toBe(hex(leaves[299] as Uint8Array));
  });
});
