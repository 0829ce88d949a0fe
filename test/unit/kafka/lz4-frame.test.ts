import * as lz4 from 'lz4js';
import { describe, expect, it } from 'vitest';
import { lz4FrameDecompress } from '../../../src/kafka/lz4-frame.js';

const text = Buffer.from('gouvernail audit event; '.repeat(5000));

/** The first block of a frame lz4js made (header: magic, FLG, BD, optional size, checksum). */
const firstBlock = (frame: Uint8Array): Buffer => {
  const flg = frame[4]!;
  const at = 7 + ((flg & 0x08) !== 0 ? 8 : 0);
  const word = Buffer.from(frame).readUInt32LE(at);
  return Buffer.from(frame.subarray(at, at + 4 + (word & 0x7fffffff)));
};

/** A frame of the given blocks (each with its 4-byte size word), with per-block checksums. */
const frameWithBlockChecksums = (blocks: readonly Buffer[], bd = 0x40): Buffer =>
  Buffer.concat([
    Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x70, bd, 0x00]),
    ...blocks.map((b) => Buffer.concat([b, Buffer.alloc(4, 0xee)])),
    Buffer.alloc(4),
  ]);

const stored = (data: Buffer): Buffer => {
  const word = Buffer.alloc(4);
  word.writeUInt32LE((data.length | 0x80000000) >>> 0);
  return Buffer.concat([word, data]);
};

describe('lz4 frames', () => {
  it('decode what lz4 writes', () => {
    expect(lz4FrameDecompress(Uint8Array.from(lz4.compress(text))).equals(text)).toBe(true);
  });

  it('decode with a checksum after each block, compressed or stored', () => {
    const compressed = firstBlock(Uint8Array.from(lz4.compress(text)));
    const frame = frameWithBlockChecksums([compressed, stored(Buffer.from('tail'))], 0x70);
    expect(lz4FrameDecompress(frame).toString()).toBe(`${text.toString()}tail`);
  });

  it('decode many small blocks of a frame that allows 4 MiB ones', () => {
    const parts = Array.from({ length: 1100 }, (_, i) => Buffer.from(`p${i};`));
    const frame = frameWithBlockChecksums(parts.map(stored), 0x70);
    expect(lz4FrameDecompress(frame).toString()).toBe(Buffer.concat(parts).toString());
  });

  it('refuse a truncated frame', () => {
    const frame = Uint8Array.from(lz4.compress(text));
    expect(() => lz4FrameDecompress(frame.subarray(0, frame.length - 20))).toThrow(/truncated/);
  });
});
