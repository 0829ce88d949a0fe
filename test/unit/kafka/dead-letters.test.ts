import { createHash } from 'node:crypto';
import { KafkaJSNonRetriableError, type Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  deadLetterHeaders,
  ORIGINAL_HEADER_PREFIX,
  sendDeadLetters,
  toDeadLetter,
} from '../../../src/kafka/dead-letters.js';
import { encodeAsKafkajsProducer, headersAsKafkajsDecodes } from '../../support/kafka-record.js';

/**
 * A producer and broker stand-in: encodes each message as kafkajs does (failing as it fails), and
 * refuses, like Kafka, any request holding a message over `limit` bytes.
 */
const broker = (limit: number) => {
  const sent: Message[][] = [];
  return {
    sent,
    send: ({ messages }: { topic: string; acks: number; messages: Message[] }) => {
      try {
        messages.forEach(encodeAsKafkajsProducer);
      } catch (e) {
        return Promise.reject(
          Object.assign(new KafkaJSNonRetriableError(e as Error), { cause: e }),
        );
      }
      if (messages.some((m) => (m.value?.length ?? 0) > limit)) {
        const e = new Error(
          'The request included a message larger than the max message size the server will accept',
        );
        return Promise.reject(Object.assign(e, { type: 'MESSAGE_TOO_LARGE' }));
      }
      sent.push(messages);
      return Promise.resolve([]);
    },
  };
};

const letter = (offset: number, bytes: number, reason = 'malformed-json: x') =>
  toDeadLetter('orders', 0, {
    message: {
      key: Buffer.from(`k${offset}`),
      value: Buffer.alloc(bytes, 0x61),
      headers: { trace: 'abc' },
      offset: String(offset),
      timestamp: '1700000000000',
      attributes: 0,
    },
    reason: 'malformed-json',
    text: reason,
    type: 'unknown',
  });

describe('dead letters', () => {
  it('go in requests of at most 512 KiB, with their original bytes and headers', async () => {
    const b = broker(1024 * 1024);
    const letters = Array.from({ length: 5 }, (_, i) => letter(i, 200 * 1024));
    expect(await sendDeadLetters(b, 'dlq', letters)).toBe(0);
    expect(b.sent.map((r) => r.length)).toEqual([2, 2, 1]);
    expect(b.sent.flat().map((m) => m.headers?.trace)).toEqual(Array(5).fill('abc'));
  });

  it('that the topic cannot hold go without their value, with its hash, length and source position', async () => {
    const b = broker(1000);
    const big = letter(7, 5000);
    expect(await sendDeadLetters(b, 'dlq', [letter(6, 10), big, letter(8, 10)])).toBe(1);
    const stub = b.sent.flat().find((m) => m.headers?.[deadLetterHeaders.offset] === '7')!;
    expect(stub.value).toBeNull();
    expect(stub.headers?.trace).toBeUndefined();
    expect(stub.headers?.[deadLetterHeaders.valueBytes]).toBe('5000');
    expect(stub.headers?.[deadLetterHeaders.valueSha256]).toBe(
      createHash('sha256').update(Buffer.alloc(5000, 0x61)).digest('base64url'),
    );
    expect(b.sent.flat().map((m) => m.headers?.[deadLetterHeaders.offset])).toEqual([
      '6',
      '7',
      '8',
    ]);
  });

  it('keep every header kafkajs decoded: a null value goes empty and is named in x-gouvernail-null-headers', async () => {
    const b = broker(1024 * 1024);
    const headers = headersAsKafkajsDecodes([
      ['trace-id', null],
      ['tags', 'a'],
      ['tags', null],
      ['constructor', 'C'],
      ['toString', 'x'],
      ['__proto__', 'p'],
      ['hasOwnProperty', null],
    ]);
    const m = toDeadLetter('orders', 0, {
      message: {
        key: null,
        value: Buffer.from('{not json'),
        headers,
        offset: '1',
        timestamp: '1700000000000',
        attributes: 0,
      },
      reason: 'malformed-json',
      text: 'malformed-json: x',
      type: 'unknown',
    });
    expect(await sendDeadLetters(b, 'dlq', [m])).toBe(0);
    const sent = b.sent.flat()[0]!.headers!;
    const text = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(text) : Buffer.isBuffer(v) ? v.toString() : v;
    expect(Object.fromEntries(Object.entries(sent).map(([k, v]) => [k, text(v)]))).toEqual({
      'trace-id': '',
      tags: ['a', ''],
      constructor: 'C',
      toString: 'x',
      ['__proto__']: 'p',
      hasOwnProperty: '',
      [deadLetterHeaders.nullHeaders]: '{"trace-id":[0],"tags":[1],"hasOwnProperty":[0]}',
      [deadLetterHeaders.reason]: 'malformed-json: x',
      [deadLetterHeaders.topic]: 'orders',
      [deadLetterHeaders.partition]: '0',
      [deadLetterHeaders.offset]: '1',
      [deadLetterHeaders.timestamp]: '1700000000000',
    });
  });

  it('that kafkajs cannot encode go as a stub, so the partition moves on', async () => {
    const b = broker(1024 * 1024);
    const odd = letter(5, 10);
    const unencodable = { ...odd, headers: { ...odd.headers, count: 42 as unknown as string } };
    expect(await sendDeadLetters(b, 'dlq', [letter(4, 10), unencodable, letter(6, 10)])).toBe(1);
    const stub = b.sent.flat().find((m) => m.headers?.[deadLetterHeaders.offset] === '5')!;
    expect(stub.value).toBeNull();
    expect(stub.headers).toMatchObject({
      [deadLetterHeaders.reason]: 'malformed-json: x',
      [deadLetterHeaders.valueBytes]: '10',
    });
    expect(b.sent.flat().map((m) => m.headers?.[deadLetterHeaders.offset])).toEqual([
      '4',
      '5',
      '6',
    ]);
  });

  it('carry a reason cut to 1024 characters', async () => {
    const b = broker(1024 * 1024);
    await sendDeadLetters(b, 'dlq', [letter(1, 10, `invalid-event: /${'K'.repeat(600_000)}`)]);
    expect(String(b.sent[0]![0]!.headers?.[deadLetterHeaders.reason])).toHaveLength(1024);
  });

  it('still fail on other errors, so the offsets do not move', async () => {
    const down = { send: () => Promise.reject(new Error('broker not available')) };
    await expect(sendDeadLetters(down, 'dlq', [letter(1, 10)])).rejects.toThrow(
      'broker not available',
    );
  });
});

describe('a dead letter of a message whose headers bear gouvernail names', () => {
  const forged = (headers: Record<string, string>) =>
    toDeadLetter('orders', 3, {
      message: {
        key: null,
        value: Buffer.from('{'),
        headers,
        offset: '41',
        timestamp: '1700000000000',
        attributes: 0,
      },
      reason: 'malformed-json',
      text: 'malformed-json: Unexpected end of JSON input',
      type: 'unknown',
    });

  it('keeps the producer values under x-gouvernail-original-, and states its own', () => {
    const m = forged({
      [deadLetterHeaders.reason]: 'all fine',
      [deadLetterHeaders.offset]: '0',
      [`${ORIGINAL_HEADER_PREFIX}${deadLetterHeaders.offset}`]: 'taken',
      trace: 'abc',
    });
    expect(m.headers).toEqual({
      trace: 'abc',
      [`${ORIGINAL_HEADER_PREFIX}${deadLetterHeaders.offset}`]: 'taken',
      [`${ORIGINAL_HEADER_PREFIX}${deadLetterHeaders.reason}`]: 'all fine',
      [`${ORIGINAL_HEADER_PREFIX}${ORIGINAL_HEADER_PREFIX}${deadLetterHeaders.offset}`]: '0',
      [deadLetterHeaders.reason]: 'malformed-json: Unexpected end of JSON input',
      [deadLetterHeaders.topic]: 'orders',
      [deadLetterHeaders.partition]: '3',
      [deadLetterHeaders.offset]: '41',
      [deadLetterHeaders.timestamp]: '1700000000000',
    });
  });

  it('does not look like a stub when the producer sent the stub headers', () => {
    const m = forged({ [deadLetterHeaders.valueBytes]: '0' });
    expect(m.headers?.[deadLetterHeaders.valueBytes]).toBeUndefined();
    expect(m.headers?.[`${ORIGINAL_HEADER_PREFIX}${deadLetterHeaders.valueBytes}`]).toBe('0');
  });

  it('keeps a header named __proto__ as a header', () => {
    const headers = JSON.parse('{"__proto__":"p","trace":"t"}') as Record<string, string>;
    const m = forged(headers);
    expect(Object.keys(m.headers!)).toContain('__proto__');
    expect(m.headers!.__proto__).toBe('p');
  });
});
