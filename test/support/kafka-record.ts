import { createRequire } from 'node:module';
import type { IHeaders, Message } from 'kafkajs';

/**
 * kafkajs's own record codec (v0, the one in every record batch), reached inside the package: what
 * its consumer hands over for a record and what its producer can send.
 */
interface Encoder {
  readonly buffer: Buffer;
  writeInt8(v: number): Encoder;
  writeVarInt(v: number): Encoder;
  writeVarLong(v: number): Encoder;
  writeVarIntBytes(v: Buffer | string | null): Encoder;
  writeVarIntArray(v: readonly Encoder[]): Encoder;
}
const require = createRequire(import.meta.url);
const EncoderClass = require('kafkajs/src/protocol/encoder') as new () => Encoder;
const DecoderClass = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const encodeHeader = require('kafkajs/src/protocol/recordBatch/header/v0') as (h: {
  key: string;
  value: Buffer | string | null;
}) => Encoder;
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: {
  key?: Message['key'];
  value: Message['value'];
  headers?: IHeaders;
}) => Encoder;
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (
  d: unknown,
  batchContext: Record<string, unknown>,
) => { headers: IHeaders };

/**
 * The headers kafkajs's consumer hands over for a record sent with these, in this order, as the
 * Java client can send them (a value may be null, a name may be anything).
 */
export const headersAsKafkajsDecodes = (
  headers: readonly [string, Buffer | string | null][],
): IHeaders => {
  const body = new EncoderClass()
    .writeInt8(0)
    .writeVarLong(0)
    .writeVarInt(0)
    .writeVarIntBytes(null)
    .writeVarIntBytes(Buffer.from('v'))
    .writeVarIntArray(headers.map(([key, value]) => encodeHeader({ key, value })));
  return decodeRecord(new DecoderClass(body.buffer), { firstOffset: '0', firstTimestamp: '0' })
    .headers;
};

/** Encodes a message as kafkajs's producer does before sending it: throws what it would throw. */
export const encodeAsKafkajsProducer = (m: Message): void => {
  encodeRecord({ key: m.key ?? null, value: m.value, headers: m.headers ?? {} });
};
