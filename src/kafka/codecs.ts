import { decompress as zstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';
import * as lz4 from 'lz4js';
import * as snappy from 'snappyjs';

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

const bytes = (b: Uint8Array | number[]): Buffer => Buffer.from(b);

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
    decompress: (buffer: Buffer) => Promise.resolve(bytes(lz4.decompress(buffer))),
  });
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: () => Promise.reject(new Error('gouvernail reads zstd but does not write it')),
    decompress: (buffer: Buffer) => Promise.resolve(bytes(zstdDecompress(buffer))),
  });
};
