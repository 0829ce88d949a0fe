import { createHash } from 'node:crypto';
import type { IHeaders, KafkaMessage, Message, Producer } from 'kafkajs';
import { clipText } from '../../domain/text.js';
import type { DeadLetterReason } from './classify.js';

/** Headers a dead letter carries besides the original ones. */
export const deadLetterHeaders = {
  reason: 'x-gouvernail-reason',
  topic: 'x-gouvernail-source-topic',
  partition: 'x-gouvernail-source-partition',
  offset: 'x-gouvernail-source-offset',
  timestamp: 'x-gouvernail-source-timestamp',
  /**
   * Only when an original header had no value (null), which the dead letter carries as an empty one:
   * JSON naming each such header and the positions among that name's values that were null, e.g.
   * `{"trace-id":[0]}`.
   */
  nullHeaders: 'x-gouvernail-null-headers',
  /** Only on a stub: the original value's SHA-256 (base64url) and length, in place of the value. */
  valueSha256: 'x-gouvernail-value-sha256',
  valueBytes: 'x-gouvernail-value-bytes',
} as const;

/** Longest reason header: the reason may quote the message (an unexpected key, say). */
const REASON_MAX = 1024;
/** Dead letters sent in one request, at most this many bytes (the broker's default limit is 1 MiB). */
const BATCH_BYTES = 512 * 1024;

export interface DeadLetter {
  readonly message: KafkaMessage;
  readonly reason: DeadLetterReason;
  readonly text: string;
  readonly type: string;
  /** Refused by the ingestor, which counted it in gouvernail_ingest_events_total already. */
  readonly countedByIngestor?: boolean;
}

/** Prefix an original header takes when its name is one of {@link deadLetterHeaders}. */
export const ORIGINAL_HEADER_PREFIX = 'x-gouvernail-original-';

const ownNames: ReadonlySet<string> = new Set(Object.values(deadLetterHeaders));

/** Kafka allows a header without value, which kafkajs decodes as null (its types say otherwise). */
type HeaderValue = Buffer | string | null | undefined;

/**
 * A header's values as the producer sent them. kafkajs decodes headers into a plain object, so one
 * named after a member of Object.prototype (`constructor`, `toString`, `__proto__`) comes with that
 * member in front of its values: not the producer's, and not encodable, so left out.
 */
const valuesOf = (v: unknown): (Buffer | string | null)[] =>
  (Array.isArray(v) ? (v as unknown[]) : [v]).filter(
    (x): x is Buffer | string | null => x === null || typeof x === 'string' || Buffer.isBuffer(x),
  );

/**
 * The original headers, with any that bear one of gouvernail's own names renamed to
 * `x-gouvernail-original-NAME` (prefixed again while that name is taken too), so that the dead
 * letter's own headers neither overwrite nor are mistaken for what the producer sent. A value that
 * was null goes empty (kafkajs cannot send a null one), and `x-gouvernail-null-headers` says which.
 */
const originalHeaders = (original: IHeaders | undefined): IHeaders => {
  // No prototype: a header may be called `__proto__`.
  const headers = Object.create(null) as IHeaders;
  const nulls: Record<string, number[]> = {};
  const add = (name: string, values: readonly (Buffer | string | null)[]): void => {
    const positions = values.flatMap((x, i) => (x === null ? [i] : []));
    if (positions.length > 0)
      Object.defineProperty(nulls, name, { value: positions, enumerable: true });
    const sent = values.map((x) => x ?? Buffer.alloc(0));
    headers[name] = sent.length === 1 ? sent[0] : sent;
  };
  const clashes: [string, (Buffer | string | null)[]][] = [];
  for (const [k, v] of Object.entries(original ?? {})) {
    const values = valuesOf(v);
    if (values.length === 0) continue;
    if (ownNames.has(k)) clashes.push([k, values]);
    else add(k, values);
  }
  for (const [k, values] of clashes) {
    let name = ORIGINAL_HEADER_PREFIX + k;
    while (Object.hasOwn(headers, name) || ownNames.has(name)) name = ORIGINAL_HEADER_PREFIX + name;
    add(name, values);
  }
  if (Object.keys(nulls).length > 0) headers[deadLetterHeaders.nullHeaders] = JSON.stringify(nulls);
  return headers;
};

/** The message for the dead-letter topic: the original key, value and headers, plus where it came from and why. */
export const toDeadLetter = (topic: string, partition: number, d: DeadLetter): Message => {
  const headers = originalHeaders(d.message.headers);
  headers[deadLetterHeaders.reason] = clipText(d.text, REASON_MAX);
  headers[deadLetterHeaders.topic] = topic;
  headers[deadLetterHeaders.partition] = String(partition);
  headers[deadLetterHeaders.offset] = d.message.offset;
  headers[deadLetterHeaders.timestamp] = d.message.timestamp;
  return { key: d.message.key, value: d.message.value, headers };
};

const headerBytes = (headers: IHeaders | undefined): number =>
  Object.entries(headers ?? {}).reduce((n, [k, v]) => {
    const values: readonly HeaderValue[] = Array.isArray(v) ? v : [v];
    return n + k.length + values.reduce((m, x) => m + (x == null ? 0 : x.length), 0);
  }, 0);

const sizeOf = (m: Message): number =>
  (m.key?.length ?? 0) + (m.value?.length ?? 0) + headerBytes(m.headers);

/** The headers a stub keeps: why and where from, but nothing about the original headers. */
const stubHeaders = [
  deadLetterHeaders.reason,
  deadLetterHeaders.topic,
  deadLetterHeaders.partition,
  deadLetterHeaders.offset,
  deadLetterHeaders.timestamp,
] as const;

/**
 * A dead letter the topic refused as too large, or that could not be encoded: no value and none of
 * the original headers, but the value's hash and length and the source position, where the
 * original still is.
 */
export const stubOf = (m: Message): Message => {
  const value = m.value === null || m.value === undefined ? Buffer.alloc(0) : Buffer.from(m.value);
  const own = Object.fromEntries(
    stubHeaders.filter((h) => m.headers?.[h] !== undefined).map((h) => [h, m.headers![h]!]),
  ) as IHeaders;
  own[deadLetterHeaders.valueSha256] = createHash('sha256').update(value).digest('base64url');
  own[deadLetterHeaders.valueBytes] = String(value.length);
  return { key: m.key && m.key.length <= 1024 ? m.key : null, value: null, headers: own };
};

const causes = function* (e: unknown): Generator<Error> {
  for (let cur: unknown = e; cur instanceof Error; cur = (cur as { cause?: unknown }).cause)
    yield cur;
};

/** Whether kafkajs failed a send because the broker found a message too large for the topic. */
export const tooLarge = (e: unknown): boolean => {
  for (const cur of causes(e)) {
    if ((cur as { type?: unknown }).type === 'MESSAGE_TOO_LARGE') return true;
    if (/larger than the max message size/.test(cur.message)) return true;
  }
  return false;
};

/**
 * Whether kafkajs failed a send before it reached the broker because it could not encode a message
 * (a header value it does not take, say): kafkajs passes on the TypeError or RangeError as the cause.
 */
export const unencodable = (e: unknown): boolean =>
  [...causes(e)].some((cur) => cur instanceof TypeError || cur instanceof RangeError);

const sendsAsStub = (e: unknown): boolean => tooLarge(e) || unencodable(e);

/**
 * Sends dead letters in requests of at most 512 KiB. A request the broker refuses as too large, or
 * that kafkajs cannot encode, is retried one letter at a time, and a letter that alone is too large
 * or cannot be encoded goes as a {@link stubOf}: a dead letter that cannot be sent whole must not stop
 * ingest (offsets only move once every letter is acknowledged, so the batch would come back for
 * ever). Returns how many went as stubs.
 */
export const sendDeadLetters = async (
  producer: Pick<Producer, 'send'>,
  topic: string,
  letters: readonly Message[],
): Promise<number> => {
  let stubs = 0;
  const send = (messages: Message[]) => producer.send({ topic, acks: -1, messages });
  const one = async (m: Message): Promise<void> => {
    try {
      await send([m]);
    } catch (e) {
      if (!sendsAsStub(e)) throw e;
      await send([stubOf(m)]);
      stubs++;
    }
  };
  let batch: Message[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    bytes = 0;
    try {
      await send(messages);
    } catch (e) {
      if (!sendsAsStub(e)) throw e;
      for (const m of messages) await one(m);
    }
  };
  for (const m of letters) {
    const size = sizeOf(m);
    if (batch.length > 0 && bytes + size > BATCH_BYTES) await flush();
    batch.push(m);
    bytes += size;
  }
  await flush();
  return stubs;
};
