import { decompress as fzstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';
import * as lz4 from 'lz4js';
import * as snappy from 'snappyjs';
import { lz4FrameDecompress } from './lz4-frame.js';
import { zstdCost } from './zstd-bounds.js';

/** snappy-java's stream header, which the Java producer writes before its snappy blocks. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic, then two int32 (version, compatible version). */
const XERIAL_HEADER_BYTES = 16;

/**
 * Snappy as Kafka producers write it: raw snappy, or snappy-java's framing (the header, then blocks
 * each prefixed by a big-endian int32 length) from the Java client.
 */
export const snappyDecompress = (buffer: Buffer): Buffer => {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, 8).equals(XERIAL_MAGIC))
    return Buffer.from(snappy.uncompress(buffer));
  const blocks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < buffer.length) {
    if (at + 4 > buffer.length) throw new RangeError('truncated snappy block length');
    const length = buffer.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > buffer.length) throw new RangeError('truncated snappy block');
    blocks.push(Buffer.from(snappy.uncompress(buffer.subarray(at, at + length))));
    at += length;
  }
  return Buffer.concat(blocks);
};

const bytes = (b: Uint8Array | number[]): Buffer =>
  b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.from(b);

/** Most memory decoding one zstd batch may take (a fetch is 4 MiB compressed per partition). */
const ZSTD_MAX_MEMORY = 256 * 1024 * 1024;
/** Most window bytes the decoder may move for one batch: about half a second of copying. */
const ZSTD_MAX_WINDOW_WORK = 2 * 1024 * 1024 * 1024;

/** zstd through fzstd, refusing before decoding a batch that would take too long or too much memory. */
export const zstdDecompress = (buffer: Buffer): Buffer => {
  const cost = zstdCost(buffer);
  if (cost.maxMemory > ZSTD_MAX_MEMORY)
    throw new RangeError(
      `zstd batch refused: decoding it could take ${cost.maxMemory} bytes (its declared sizes, windows and blocks), the limit is ${ZSTD_MAX_MEMORY}`,
    );
  if (cost.windowWork > ZSTD_MAX_WINDOW_WORK)
    throw new RangeError(
      `zstd batch refused: its window and block count would take the decoder too long (${cost.windowWork} bytes to move)`,
    );
  return bytes(fzstdDecompress(buffer));
};

let registered = false;

/**
 * Lets kafkajs read batches compressed with snappy, lz4 and zstd (it only knows gzip): without
 * them one such batch, from any Java or librdkafka producer, stops the consumer at its offset for
 * good. Pure JavaScript, no native module to build. gouvernail itself produces uncompressed or gzip,
 * and cannot write zstd.
 */
export const registerKafkaCodecs = (): void => {
  if (registered) return;
  registered = true;
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  CompressionCodecs[CompressionTypes.Snappy] = () => ({
    compress: (encoder: { buffer: Buffer }) =>
      Promise.resolve(bytes(snappy.compress(encoder.buffer))),
    decompress: (buffer: Buffer) => Promise.resolve(snappyDecompress(buffer)),
  });
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: (encoder: { buffer: Buffer }) => Promise.resolve(bytes(lz4.compress(encoder.buffer))),
    decompress: (buffer: Buffer) => Promise.resolve(lz4FrameDecompress(buffer)),
  });
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: () => Promise.reject(new Error('gouvernail reads zstd but does not write it')),
    decompress: (buffer: Buffer) => Promise.resolve(zstdDecompress(buffer)),
  });
};
