/**
 * What decoding a zstd input (RFC 8878) would cost, read from its frame and block headers without
 * decoding it: the pure-JavaScript decoder moves its whole window once per block, and RLE blocks
 * regenerate up to 2 MiB from one byte. A batch crafted with a huge window and thousands of tiny
 * blocks, or with RLE blocks, would hold the event loop for minutes or fill memory.
 */
export interface ZstdCost {
  /**
   * Bytes the decoder can hold at most. fzstd allocates each frame's declared content size up
   * front, whatever the blocks hold, or without one its window, and then adds each block's output.
   */
  readonly maxMemory: number;
  /** Bytes of window the decoder may move: blocks × window size, summed over frames. */
  readonly windowWork: number;
}

import { forEachFrame } from './frame-reader.js';

const MAGIC = 0xfd2fb528;
const MAX_COMPRESSED_BLOCK_OUTPUT = 128 * 1024;

/** Reads the headers of every frame in `buf`; throws RangeError on a malformed or truncated one. */
export const zstdCost = (buf: Uint8Array): ZstdCost => {
  let maxMemory = 0;
  let windowWork = 0;
  forEachFrame(buf, { name: 'zstd', magic: MAGIC }, (start, { view, need }) => {
    let at = start;
    need(at, 1);
    const fhd = buf[at++]!;
    const fcsFlag = fhd >> 6;
    const single = (fhd & 0x20) !== 0;
    const checksum = (fhd & 0x04) !== 0;
    const dictBytes = [0, 1, 2, 4][fhd & 0x03]!;
    let window = 0;
    if (!single) {
      need(at, 1);
      const wd = buf[at++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 0x07);
    }
    at += dictBytes;
    const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
    need(at, fcsBytes);
    let contentSize = -1;
    if (fcsBytes === 1) contentSize = buf[at]!;
    else if (fcsBytes === 2) contentSize = view.getUint16(at, true) + 256;
    else if (fcsBytes === 4) contentSize = view.getUint32(at, true);
    else if (fcsBytes === 8)
      contentSize = view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
    at += fcsBytes;
    if (single) window = contentSize;
    let blocks = 0;
    let frameOutput = 0;
    for (let last = false; !last;) {
      need(at, 3);
      const header = buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16);
      at += 3;
      last = (header & 1) === 1;
      const type = (header >> 1) & 0x03;
      const size = header >>> 3;
      if (type === 3) throw new RangeError('reserved zstd block type');
      const stored = type === 1 ? 1 : size;
      need(at, stored);
      at += stored;
      frameOutput += type === 2 ? MAX_COMPRESSED_BLOCK_OUTPUT : size;
      blocks++;
    }
    if (checksum) at += 4;
    maxMemory += contentSize > 0 ? contentSize : window + frameOutput;
    windowWork += blocks * window;
    return at;
  });
  return { maxMemory, windowWork };
};
