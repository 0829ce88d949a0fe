import * as lz4 from 'lz4js';
import { forEachFrame } from './frame-reader.js';

const FRAME_MAGIC = 0x184d2204;
/** Largest batch read after decompression, as for zstd. */
const MAX_OUTPUT = 256 * 1024 * 1024;
const BLOCK_MAX: Readonly<Record<number, number>> = {
  4: 64 * 1024,
  5: 256 * 1024,
  6: 1024 * 1024,
  7: 4 * 1024 * 1024,
};

/**
 * LZ4 frames (the format Kafka's lz4 batches use), read here with lz4js decoding each block: lz4js'
 * own frame reader skips a block checksum before the block instead of after it, and sizes its
 * output as blocks × the largest block size, so valid frames from some producers failed. The output
 * grows as blocks are decoded, up to 256 MiB; checksums are not verified (the record batch has its
 * own CRC).
 */
export const lz4FrameDecompress = (src: Uint8Array): Buffer => {
  let out = new Uint8Array(64 * 1024);
  let length = 0;
  const reserve = (more: number): void => {
    if (length + more > MAX_OUTPUT)
      throw new RangeError(`lz4 batch refused: it decompresses past ${MAX_OUTPUT} bytes`);
    if (length + more <= out.length) return;
    const grown = new Uint8Array(Math.min(MAX_OUTPUT, Math.max(out.length * 2, length + more)));
    grown.set(out.subarray(0, length));
    out = grown;
  };
  forEachFrame(src, { name: 'lz4', magic: FRAME_MAGIC }, (start, { view, need }) => {
    let at = start;
    need(at, 2);
    const flg = src[at]!;
    const bd = src[at + 1]!;
    at += 2;
    if (flg >> 6 !== 1) throw new RangeError('unsupported lz4 frame version');
    const blockChecksum = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const blockMax = BLOCK_MAX[(bd >> 4) & 0x07];
    if (blockMax === undefined) throw new RangeError('invalid lz4 block size');
    at += ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0) + 1; // sizes, dict id, header checksum
    for (;;) {
      need(at, 4);
      const word = view.getUint32(at, true);
      at += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      need(at, size);
      if (word & 0x80000000) {
        reserve(size);
        out.set(src.subarray(at, at + size), length);
        length += size;
      } else {
        if (size > blockMax) throw new RangeError('lz4 block larger than its frame allows');
        reserve(blockMax);
        length = lz4.decompressBlock(src, out, at, size, length);
      }
      at += size + (blockChecksum ? 4 : 0);
    }
    return at + (contentChecksum ? 4 : 0);
  });
  return Buffer.from(out.buffer, out.byteOffset, length);
};
