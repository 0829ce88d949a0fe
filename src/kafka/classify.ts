import type { EventType } from '../../domain/catalogue.js';
import { describeIssues, validateOpenLineage } from '../../domain/openlineage.js';
import {
  validateNewEvent,
  type ValidEvent,
  type ValidationIssue,
} from '../../domain/validation.js';
import { openLineageEnvelope } from '../ingest/openlineage-envelope.js';
import { clipText } from '../../domain/text.js';
import { invalidEventType } from '../ingest/invalid-type.js';
import type { KafkaTopics } from './config.js';

/** Why a message went to the dead-letter topic; also the `reason` label of `gouvernail_kafka_dlq_total`. */
export type DeadLetterReason =
  | 'empty'
  | 'oversized'
  | 'malformed-json'
  | 'invalid-event'
  | 'invalid-openlineage'
  | 'wrong-topic'
  /** Valid, but its id is taken by a stored event that says something else: it was not stored. */
  | 'id-conflict';

export type Classified =
  | { readonly ok: true; readonly event: ValidEvent }
  | {
      readonly ok: false;
      readonly reason: DeadLetterReason;
      readonly detail: string;
      /** The `type` label it is counted under as invalid: see {@link invalidEventType}. */
      readonly type: string;
    };

/** What each consumed topic carries. */
export type TopicRole = 'access' | 'config' | 'lineage' | 'events';

export const roleOf = (topics: KafkaTopics, topic: string): TopicRole | undefined =>
  topic === topics.access
    ? 'access'
    : topic === topics.config
      ? 'config'
      : topic === topics.lineage
        ? 'lineage'
        : topic === topics.events
          ? 'events'
          : undefined;

const expectedType: Partial<Record<TopicRole, EventType>> = {
  access: 'AccessRecorded',
  config: 'ConfigChanged',
};

const decoder = new TextDecoder('utf-8', { fatal: true });
const maxIssuesInReason = 5;

const describe = (issues: readonly ValidationIssue[]): string => {
  const shown = describeIssues(issues.slice(0, maxIssuesInReason)).join('; ');
  return issues.length > maxIssuesInReason
    ? `${shown}; and ${issues.length - maxIssuesInReason} more`
    : shown;
};

const refuse = (reason: DeadLetterReason, detail: string, type = 'unknown'): Classified => ({
  ok: false,
  reason,
  detail,
  type,
});

/** The text of the `x-gouvernail-reason` header: the reason code, then what exactly is wrong. */
export const reasonText = (c: Extract<Classified, { ok: false }>): string =>
  `${c.reason}: ${c.detail}`;

/**
 * Decides what one Kafka message is: a valid event for the log, or a dead letter and why.
 * The access and config topics carry `AccessRecorded` and `ConfigChanged` envelopes, the events
 * topic envelopes of any type, and the lineage topic raw OpenLineage events, which are wrapped
 * into a `LineageRunEvent` envelope whose id is derived from the event (redelivery deduplicates).
 */
export const classifyMessage = (
  message: { readonly topic: string; readonly value: Uint8Array | null },
  options: { readonly topics: KafkaTopics; readonly maxMessageBytes: number },
): Classified => {
  const { value } = message;
  const role = roleOf(options.topics, message.topic);
  if (role === undefined)
    return refuse('wrong-topic', `topic '${message.topic}' is not one gouvernail consumes`);
  if (value === null || value.byteLength === 0) return refuse('empty', 'the message has no value');
  if (value.byteLength > options.maxMessageBytes) {
    return refuse(
      'oversized',
      `the value is ${value.byteLength} bytes, the limit is ${options.maxMessageBytes}`,
    );
  }
  let input: unknown;
  try {
    input = JSON.parse(decoder.decode(value));
  } catch (e) {
    return refuse(
      'malformed-json',
      e instanceof TypeError
        ? 'the value is not valid UTF-8'
        : `the value is not JSON (${(e as Error).message})`,
    );
  }
  if (role === 'lineage') {
    const ol = validateOpenLineage(input);
    if (!ol.ok) return refuse('invalid-openlineage', describe(ol.error), 'LineageRunEvent');
    let envelope;
    try {
      const producer = (ol.value.event as { producer: string }).producer;
      envelope = openLineageEnvelope(ol.value, clipText(producer, 256));
    } catch (e) {
      return refuse(
        'invalid-openlineage',
        `the event cannot be canonically encoded (${(e as Error).message})`,
        'LineageRunEvent',
      );
    }
    const checked = validateNewEvent(envelope);
    return checked.ok
      ? { ok: true, event: checked.value }
      : refuse('invalid-openlineage', describe(checked.error), 'LineageRunEvent');
  }
  const checked = validateNewEvent(input);
  if (!checked.ok) return refuse('invalid-event', describe(checked.error), invalidEventType(input));
  const expected = expectedType[role];
  if (expected !== undefined && checked.value.type !== expected) {
    return refuse(
      'wrong-topic',
      `topic '${message.topic}' carries ${expected} events, got ${checked.value.type}`,
      checked.value.type,
    );
  }
  return { ok: true, event: checked.value };
};
