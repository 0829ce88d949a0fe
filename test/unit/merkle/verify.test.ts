import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyRoot, leafHash } from '../../../src/merkle/hash.js';
import { createMemoryTileStore } from '../../../src/merkle/memory-tile-store.js';
import { createMerkleTree, type MerkleTree } from '../../../src/merkle/tree.js';
import { verifyConsistency, verifyInclusion } from '../../../src/merkle/verify.js';
import { consistencyShape, pathShape } from './reference.js';

const entries = Array.from({ length: 1100 }, (_, i) =>
  new TextEncoder().encode(`{"id":"evt-${String(i)}"}`),
);
const tree: MerkleTree = createMerkleTree({ tiles: createMemoryTileStore(), size: 0 });
tree.append(entries.map(leafHash));
const roots = Array.from({ length: entries.length + 1 }, (_, n) => tree.rootAt(n));
const rootOf = (n: number): Uint8Array => roots[n] as Uint8Array;

const flip = (bytes: Uint8Array, at: number, mask: number): Uint8Array => {
  const copy = new Uint8Array(bytes);
  copy[at % copy.length] = (copy[at % copy.length] ?? 0) ^ mask;
  return copy;
};

const inclusionCase = fc
  .record({ treeSize: fc.integer({ min: 1, max: entries.length }), i: fc.nat() })
  .map(({ treeSize, i }) => ({ treeSize, index: i % treeSize }));
const consistencyCase = fc
  .record({ toSize: fc.integer({ min: 1, max: entries.length }), m: fc.nat() })
  .map(({ toSize, m }) => ({ toSize, fromSize: 1 + (m % toSize) }));
const mask = fc.integer({ min: 1, max: 255 });

describe('verifyInclusion', () => {
  const valid = ({ index, treeSize }: { index: number; treeSize: number }) => ({
    leafHash: leafHash(entries[index] as Uint8Array),
    index,
    treeSize,
    proof: tree.inclusionProof(index, treeSize),
    root: rootOf(treeSize),
  });

  it('fails when any byte of the entry, a proof hash or the root changes', () => {
    fc.assert(
      fc.property(inclusionCase, fc.nat(), fc.nat(), mask, (c, which, at, m) => {
        const args = valid(c);
        expect(verifyInclusion(args)).toBe(true);
        const entry = entries[c.index] as Uint8Array;
        expect(verifyInclusion({ ...args, leafHash: leafHash(flip(entry, at, m)) })).toBe(false);
        expect(verifyInclusion({ ...args, leafHash: flip(args.leafHash, at, m) })).toBe(false);
        expect(verifyInclusion({ ...args, root: flip(args.root, at, m) })).toBe(false);
        if (args.proof.length > 0) {
          const proof = [...args.proof];
          const k = which % proof.length;
          proof[k] = flip(proof[k] as Uint8Array, at, m);
          expect(verifyInclusion({ ...args, proof })).toBe(false);
          expect(verifyInclusion({ ...args, proof: args.proof.slice(1) })).toBe(false);
        }
        expect(verifyInclusion({ ...args, proof: [...args.proof, rootOf(1)] })).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('fails for another index or size unless both take the very same path through the tree', () => {
    fc.assert(
      fc.property(
        inclusionCase,
        fc.integer({ min: 1, max: 2 * entries.length }),
        fc.nat(),
        (c, otherSize, i) => {
          const otherIndex = i % otherSize;
          fc.pre(otherIndex !== c.index || otherSize !== c.treeSize);
          const ok = verifyInclusion({ ...valid(c), index: otherIndex, treeSize: otherSize });
          expect(ok).toBe(pathShape(otherIndex, otherSize) === pathShape(c.index, c.treeSize));
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(inclusionCase, (c) => {
        expect(verifyInclusion({ ...valid(c), treeSize: c.treeSize * 2 })).toBe(false);
        if (c.index < Math.floor(c.treeSize / 2))
          expect(verifyInclusion({ ...valid(c), treeSize: Math.floor(c.treeSize / 2) })).toBe(
            false,
          );
      }),
      { numRuns: 200 },
    );
  });

  it('binds index and size only through the path: leaf 1 of 2 and leaf 2 of 3 share one', () => {
    const leaf = leafHash(entries[1] as Uint8Array);
    const proof = tree.inclusionProof(1, 2);
    expect(verifyInclusion({ leafHash: leaf, index: 2, treeSize: 3, proof, root: rootOf(2) })).toBe(
      true,
    );
    expect(verifyInclusion({ leafHash: leaf, index: 0, treeSize: 2, proof, root: rootOf(2) })).toBe(
      false,
    );
  });

  it('answers false, never throws, on malformed input', () => {
    const args = valid({ index: 5, treeSize: 8 });
    const bad: unknown[] = [
      { ...args, index: 8 },
      { ...args, index: -1 },
      { ...args, index: 1.5 },
      { ...args, treeSize: 0 },
      { ...args, treeSize: Number.NaN },
      { ...args, leafHash: new Uint8Array(31) },
      { ...args, root: new Uint8Array(33) },
      { ...args, proof: [new Uint8Array(31), ...args.proof.slice(1)] },
      { ...args, proof: 'not a proof' },
      { ...args, proof: [null] },
      { ...args, proof: Array.from({ length: 200 }, () => new Uint8Array(32)) },
    ];
    for (const input of bad)
      expect(verifyInclusion(input as Parameters<typeof verifyInclusion>[0])).toBe(false);
  });

  it('proves a one-leaf tree with an empty path', () => {
    const leaf = leafHash(entries[0] as Uint8Array);
    expect(verifyInclusion({ leafHash: leaf, index: 0, treeSize: 1, proof: [], root: leaf })).toBe(
      true,
    );
    expect(
      verifyInclusion({ leafHash: leaf, index: 0, treeSize: 1, proof: [], root: rootOf(2) }),
    ).toBe(false);
  });
});

describe('verifyConsistency', () => {
  const valid = ({ fromSize, toSize }: { fromSize: number; toSize: number }) => ({
    fromSize,
    toSize,
    proof: tree.consistencyProof(fromSize, toSize),
    fromRoot: rootOf(fromSize),
    toRoot: rootOf(toSize),
  });

  it('fails when any byte of a proof hash or of either root changes', () => {
    fc.assert(
      fc.property(consistencyCase, fc.nat(), fc.nat(), mask, (c, which, at, m) => {
        const args = valid(c);
        expect(verifyConsistency(args)).toBe(true);
        expect(verifyConsistency({ ...args, fromRoot: flip(args.fromRoot, at, m) })).toBe(false);
        expect(verifyConsistency({ ...args, toRoot: flip(args.toRoot, at, m) })).toBe(false);
        if (args.proof.length > 0) {
          const proof = [...args.proof];
          const k = which % proof.length;
          proof[k] = flip(proof[k] as Uint8Array, at, m);
          expect(verifyConsistency({ ...args, proof })).toBe(false);
          expect(verifyConsistency({ ...args, proof: args.proof.slice(0, -1) })).toBe(false);
        }
        expect(verifyConsistency({ ...args, proof: [...args.proof, rootOf(1)] })).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('fails for other sizes unless both take the very same path through the tree', () => {
    fc.assert(
      fc.property(
        consistencyCase,
        fc.integer({ min: 2, max: 2 * entries.length }),
        fc.nat(),
        (c, otherTo, m) => {
          const otherFrom = 1 + (m % (otherTo - 1));
          fc.pre(c.fromSize < c.toSize && (otherFrom !== c.fromSize || otherTo !== c.toSize));
          const ok = verifyConsistency({ ...valid(c), fromSize: otherFrom, toSize: otherTo });
          expect(ok).toBe(
            consistencyShape(otherFrom, otherTo) === consistencyShape(c.fromSize, c.toSize),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles size 0 and equal sizes as RFC 9162 does', () => {
    expect(
      verifyConsistency({
        fromSize: 0,
        toSize: 0,
        proof: [],
        fromRoot: emptyRoot(),
        toRoot: emptyRoot(),
      }),
    ).toBe(true);
    expect(
      verifyConsistency({
        fromSize: 0,
        toSize: 9,
        proof: [],
        fromRoot: emptyRoot(),
        toRoot: rootOf(9),
      }),
    ).toBe(true);
    expect(
      verifyConsistency({
        fromSize: 0,
        toSize: 9,
        proof: [],
        fromRoot: rootOf(1),
        toRoot: rootOf(9),
      }),
    ).toBe(false);
    expect(
      verifyConsistency({
        fromSize: 0,
        toSize: 9,
        proof: [rootOf(1)],
        fromRoot: emptyRoot(),
        toRoot: rootOf(9),
      }),
    ).toBe(false);
    expect(
      verifyConsistency({
        fromSize: 7,
        toSize: 7,
        proof: [],
        fromRoot: rootOf(7),
        toRoot: rootOf(7),
      }),
    ).toBe(true);
    expect(
      verifyConsistency({
        fromSize: 7,
        toSize: 7,
        proof: [],
        fromRoot: rootOf(7),
        toRoot: rootOf(8),
      }),
    ).toBe(false);
    expect(
      verifyConsistency({
        fromSize: 7,
        toSize: 7,
        proof: [rootOf(7)],
        fromRoot: rootOf(7),
        toRoot: rootOf(7),
      }),
    ).toBe(false);
    expect(
      verifyConsistency({
        fromSize: 8,
        toSize: 7,
        proof: tree.consistencyProof(7, 8),
        fromRoot: rootOf(8),
        toRoot: rootOf(7),
      }),
    ).toBe(false);
    expect(
      verifyConsistency({
        fromSize: 7,
        toSize: 8,
        proof: [],
        fromRoot: rootOf(7),
        toRoot: rootOf(8),
      }),
    ).toBe(false);
  });

  it('answers false, never throws, on malformed input', () => {
    const args = valid({ fromSize: 6, toSize: 8 });
    const bad: unknown[] = [
      { ...args, fromSize: -1 },
      { ...args, toSize: 2 ** 60 },
      { ...args, fromRoot: new Uint8Array(31) },
      { ...args, toRoot: undefined },
      { ...args, proof: [new Uint8Array(31), ...args.proof.slice(1)] },
      { ...args, proof: {} },
    ];
    for (const input of bad)
      expect(verifyConsistency(input as Parameters<typeof verifyConsistency>[0])).toBe(false);
  });
});
