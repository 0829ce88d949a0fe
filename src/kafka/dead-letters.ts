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

/**
 * The original headers, with any that bear one of gouvernail's own names renamed to
 * `x-gouvernail-original-NAME` (prefixed again while that name is taken too), so that the dead
 * letter's own headers neither overwrite nor are mistaken for what the producer sent.
 */
const originalHeaders = (original: IHeaders | undefined): IHeaders => {
  // No prototype: a header may be called `__proto__`.
  const headers = Object.create(null) as IHeaders;
  const clashes: [string, IHeaders[string]][] = [];
  for (const [k, v] of Object.entries(original ?? {})) {
    if (ownNames.has(k)) clashes.push([k, v]);
    else headers[k] = v;
  }
  for (const [k, v] of clashes) {
    let name = ORIGINAL_HEADER_PREFIX + k;
    while (Object.hasOwn(headers, name) || ownNames.has(name)) name = ORIGINAL_HEADER_PREFIX + name;
    headers[name] = v;
  }
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

/** Kafka allows a header without value, which kafkajs decodes as null (its types say otherwise). */
type HeaderValue = Buffer | string | null | undefined;

const headerBytes = (headers: IHeaders | undefined): number =>
  Object.entries(headers ?? {}).reduce((n, [k, v]) => {
    const values: readonly HeaderValue[] = Array.isArray(v) ? v : [v];
    return n + k.length + values.reduce((m, x) => m + (x == null ? 0 : x.length), 0);
  }, 0);

const sizeOf = (m: Message): number =>
  (m.key?.length ?? 0) + (m.value?.length ?? 0) + headerBytes(m.headers);

/**
 * A dead letter the topic refused as too large: no value and none of the original headers, but the
 * value's hash and length and the source position, where the original still is.
 */
export const stubOf = (m: Message): Message => {
  const value = m.value === null || m.value === undefined ? Buffer.alloc(0) : Buffer.from(m.value);
  const own = Object.fromEntries(
    Object.values(deadLetterHeaders)
      .filter((h) => m.headers?.[h] !== undefined)
      .map((h) => [h, m.headers![h]!]),
  ) as IHeaders;
  own[deadLetterHeaders.valueSha256] = createHash('sha256').update(value).digest('base64url');
  own[deadLetterHeaders.valueBytes] = String(value.length);
  return { key: m.key && m.key.length <= 1024 ? m.key : null, value: null, headers: own };
};

/** Whether kafkajs failed a send because the broker found a message too large for the topic. */
export const tooLarge = (e: unknown): boolean => {
  for (let cur: unknown = e; cur instanceof Error; cur = (cur as { cause?: unknown }).cause) {
    if ((cur as { type?: unknown }).type === 'MESSAGE_TOO_LARGE') return true;
    if (/larger than the max message size/.test(cur.message)) return true;
  }
  return false;
};

/**
 * Sends dead letters in requests of at most 512 KiB. A request the broker refuses as too large is
 * retried one letter at a time, and a letter that alone is too large goes as a {@link stubOf}: a
 * dead letter the topic cannot hold must not stop ingest (offsets only move once every letter is
 * acknowledged, so the batch would come back for ever). Returns how many went as stubs.
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
      if (!tooLarge(e)) throw e;
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
      if (!tooLarge(e)) throw e;
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
