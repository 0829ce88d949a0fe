import { describe, expect, it } from 'vitest';
import { zstdDecompress } from '../../../src/kafka/codecs.js';

/** A zstd frame of raw blocks (RFC 8878), built by hand: Node 20 has no zstd compressor. */
const rawFrame = (blocks: readonly Buffer[], windowLog: number): Buffer => {
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3]);
  const parts = blocks.map((b, i) => {
    const h = ((b.length << 3) | (0 << 1) | (i === blocks.length - 1 ? 1 : 0)) >>> 0;
    return Buffer.concat([Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), b]);
  });
  return Buffer.concat([header, ...parts]);
};

const rleFrame = (size: number, count: number): Buffer => {
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (21 - 10) << 3]);
  const parts = Array.from({ length: count }, (_, i) => {
    const h = ((size << 3) | (1 << 1) | (i === count - 1 ? 1 : 0)) >>> 0;
    return Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0x7a]);
  });
  return Buffer.concat([header, ...parts]);
};

describe('zstd batches', () => {
  it('decode as Kafka producers write them', () => {
    const blocks = Array.from({ length: 20 }, (_, i) => Buffer.from(`block ${i};`.repeat(100)));
    expect(zstdDecompress(rawFrame(blocks, 21)).toString()).toBe(Buffer.concat(blocks).toString());
  });

  it('are refused before decoding when a huge window and many blocks would stall the process', () => {
    const bomb = rawFrame(
      Array.from({ length: 1000 }, () => Buffer.from('x')),
      27,
    );
    expect(() => zstdDecompress(bomb)).toThrow(/would take the decoder too long/);
  });

  it('are refused before decoding when they would expand past 256 MiB', () => {
    expect(() => zstdDecompress(rleFrame(2 ** 21 - 1, 200))).toThrow(
      /decoding it could take \d+ bytes/,
    );
  });

  it('are refused when frames declare a content size past 256 MiB, however small their blocks', () => {
    // The decoder allocates the declared size up front: two 30-byte frames would take 600 MB.
    const declaring = (size: number): Buffer => {
      const payload = Buffer.from('{"hello":"world"}');
      const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 2 << 6, 0, 0, 0, 0, 0]);
      header.writeUInt32LE(size, 6);
      const h = (payload.length << 3) | 1;
      return Buffer.concat([header, Buffer.from([h & 0xff, (h >> 8) & 0xff, h >> 16]), payload]);
    };
    expect(() => zstdDecompress(Buffer.concat([declaring(3e8), declaring(3e8)]))).toThrow(
      /decoding it could take 600000000 bytes/,
    );
    expect(zstdDecompress(declaring(17)).toString()).toBe('{"hello":"world"}');
  });

  it('are refused when one block would need a window past 256 MiB', () => {
    expect(() => zstdDecompress(rawFrame([Buffer.from('x')], 30))).toThrow(
      /decoding it could take \d+ bytes/,
    );
  });

  it('are refused when truncated', () => {
    const frame = rawFrame([Buffer.from('hello')], 21);
    expect(() => zstdDecompress(frame.subarray(0, frame.length - 2))).toThrow(/truncated/);
  });
});
