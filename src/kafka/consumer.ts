import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { ValidEvent } from '../../domain/validation.js';
import type { IngestOutcome, Ingestor } from '../ingest/ingest.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { classifyMessage, reasonText } from './classify.js';
import { registerKafkaCodecs } from './codecs.js';
import { sendDeadLetters as sendBounded, toDeadLetter, type DeadLetter } from './dead-letters.js';
import type { KafkaSettings } from './config.js';
import { kafkaMetrics } from './metrics.js';

export { deadLetterHeaders } from './dead-letters.js';

export interface KafkaIngest {
  /** Connects, joins the consumer group and starts consuming; resolves once consumption runs. */
  start(): Promise<void>;
  /** Lets the batch in flight finish (append, dead letters, commit), then leaves the group and disconnects. */
  stop(): Promise<void>;
}

export interface KafkaIngestDeps {
  readonly kafka: Kafka;
  readonly config: Pick<KafkaSettings, 'groupId' | 'topics' | 'maxMessageBytes'>;
  readonly ingestor: Ingestor;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Messages validated and appended together, between two commits and heartbeats (default 1000). */
  readonly chunkSize?: number;
  /** Passed to kafkajs; how long the group waits for a silent member before rebalancing (default 30 s). */
  readonly sessionTimeoutMs?: number;
  /** Passed to kafkajs; bytes fetched per partition at a time, so roughly the batch size (default 4 MiB). */
  readonly maxBytesPerPartition?: number;
  /**
   * Partitions handled at once (default 3). While one partition's batch is sealed on the worker
   * thread, another's commits; each partition still commits its own offsets after its own append.
   */
  readonly partitionsConsumedConcurrently?: number;
  /** First wait before restarting a consumer that crashed for good (default 5 s, doubling to 60 s). */
  readonly restartDelayMs?: number;
}

/**
 * Kafka ingest: a consumer group on the access, config, lineage and events topics. Each batch is
 * validated message by message; valid events are appended to the log (duplicates are absorbed by
 * the log), invalid ones are sent with their original key, value and headers to the dead-letter
 * topic with the reason and source position in headers. Offsets are committed only once the append
 * and the dead-letter sends are acknowledged: a crash before the commit means redelivery, which the
 * log deduplicates, so nothing is lost and nothing is recorded twice. A dead letter may be sent twice
 * after such a crash; its source topic, partition and offset headers identify it.
 */
export const createKafkaIngest = ({
  kafka,
  config,
  ingestor,
  metrics,
  log,
  chunkSize = 1000,
  sessionTimeoutMs = 30_000,
  maxBytesPerPartition = 4 * 1024 * 1024,
  partitionsConsumedConcurrently = 3,
  restartDelayMs = 5000,
}: KafkaIngestDeps): KafkaIngest => {
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  registerKafkaCodecs();
  const km = kafkaMetrics(metrics);
  const { topics } = config;
  const inputs = [topics.access, topics.config, topics.lineage, topics.events];
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let stopping: Promise<void> | undefined;

  const sendDeadLetters = async (
    topic: string,
    partition: number,
    dead: readonly DeadLetter[],
  ): Promise<void> => {
    if (dead.length === 0) return;
    const stubs = await sendBounded(
      producer!,
      topics.dlq,
      dead.map((d) => toDeadLetter(topic, partition, d)),
    );
    if (stubs > 0)
      log.warn(
        { topic, partition, stubs, dlq: topics.dlq },
        'dead letters too large for the dead-letter topic, or that could not be encoded, were sent without their value and headers (hash and length kept)',
      );
    for (const d of dead) {
      km.deadLetters.inc({ topic, reason: d.reason });
      // The ingestor has already counted the events it refused.
      if (!d.countedByIngestor)
        metrics.ingested.inc({ type: d.type, source: 'kafka', outcome: 'invalid' });
    }
    log.warn(
      {
        topic,
        partition,
        count: dead.length,
        first: { offset: dead[0]!.message.offset, reason: dead[0]!.text },
      },
      'messages sent to the dead-letter topic',
    );
  };

  /** Events whose id a stored event with other content holds: not stored, so dead-lettered. */
  const conflicts = (
    entries: readonly { message: KafkaMessage; event: ValidEvent }[],
    outcomes: readonly IngestOutcome[],
  ): DeadLetter[] =>
    outcomes.flatMap((o, i) =>
      o.status === 'conflict'
        ? [
            {
              message: entries[i]!.message,
              reason: 'id-conflict' as const,
              text: `id-conflict: id ${o.id} is already in the log at position ${o.position} with other content; this message was not stored`,
              type: entries[i]!.event.type,
              countedByIngestor: true,
            },
          ]
        : [],
    );

  const append = async (
    valid: readonly { message: KafkaMessage; event: ValidEvent }[],
  ): Promise<DeadLetter[]> => {
    if (valid.length === 0) return [];
    const result = await ingestor.ingestValid(
      valid.map((v) => v.event),
      'kafka',
    );
    if (result.status === 'accepted') return conflicts(valid, result.outcomes);
    // The ingestor refused what we let through (types producers may not send). Dead-letter those, append the rest.
    const refused = new Map(result.rejected.map((r) => [r.index, r]));
    const rest = valid.filter((_, i) => !refused.has(i));
    let conflicting: DeadLetter[] = [];
    if (rest.length > 0) {
      const again = await ingestor.ingestValid(
        rest.map((v) => v.event),
        'kafka',
      );
      if (again.status === 'rejected')
        throw new Error(
          `the ingestor refused a batch it had accepted: ${JSON.stringify(again.rejected[0])}`,
        );
      conflicting = conflicts(rest, again.outcomes);
    }
    return [
      ...[...refused].map(([i, r]) => ({
        message: valid[i]!.message,
        reason: 'invalid-event' as const,
        countedByIngestor: true,
        text: `invalid-event: ${r.issues.map((x) => `${x.path}: ${x.message}`).join('; ')}`,
        type: valid[i]!.event.type,
      })),
      ...conflicting,
    ];
  };

  const processChunk = async (
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
  ): Promise<void> => {
    const valid: { message: KafkaMessage; event: ValidEvent }[] = [];
    const dead: DeadLetter[] = [];
    for (const message of messages) {
      const c = classifyMessage({ topic, value: message.value }, config);
      if (c.ok) valid.push({ message, event: c.event });
      else dead.push({ message, reason: c.reason, text: reasonText(c), type: c.type });
    }
    // Both must be acknowledged before the offsets move; wait for both even when one fails.
    const [sent, appended] = await Promise.allSettled([
      sendDeadLetters(topic, partition, dead),
      append(valid),
    ]);
    if (sent.status === 'rejected') throw sent.reason;
    if (appended.status === 'rejected') throw appended.reason;
    await sendDeadLetters(topic, partition, appended.value);
  };

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { topic, partition, messages } = payload.batch;
    for (let i = 0; i < messages.length; i += chunkSize) {
      if (!payload.isRunning() || payload.isStale()) return;
      const chunk = messages.slice(i, i + chunkSize);
      await processChunk(topic, partition, chunk);
      payload.resolveOffset(chunk[chunk.length - 1]!.offset);
      // With autoCommit off, only explicitly given offsets are committed.
      await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
      km.committed.inc({ topic }, chunk.length);
      crashesInARow = 0;
      await payload.heartbeat();
    }
  };

  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  /** Restarts since a batch was last committed: the delay before the next one doubles with each. */
  let crashesInARow = 0;

  /**
   * kafkajs gives up on errors it deems fatal; gouvernail keeps trying, backing off up to a minute,
   * so that a broker-side fault (a refused dead-letter topic, an unreachable broker at restart) does
   * not end ingest until the service restarts.
   */
  const scheduleRestart = (old: Consumer): void => {
    if (stopping || restartTimer) return;
    const delay = Math.min(restartDelayMs * 2 ** crashesInARow, 60_000);
    crashesInARow++;
    log.warn({ delayMs: delay }, 'restarting the Kafka consumer');
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (stopping) return;
      void old
        .disconnect()
        .catch(() => undefined)
        .then(() => (stopping ? undefined : launch()))
        .catch((err: unknown) => {
          log.error({ err }, 'the Kafka consumer could not restart; trying again');
          if (consumer) scheduleRestart(consumer);
        });
    }, delay);
  };

  /** A consumer of the group, running; a crash kafkajs will not restart from is restarted here. */
  const launch = async (): Promise<void> => {
    const c = kafka.consumer({
      groupId: config.groupId,
      sessionTimeout: sessionTimeoutMs,
      maxBytesPerPartition,
      maxBytes: 4 * maxBytesPerPartition,
    });
    consumer = c;
    c.on(c.events.CRASH, ({ payload }) => {
      km.consumerCrashes.inc();
      log.error({ err: payload.error, restart: payload.restart }, 'Kafka consumer crashed');
      if (!payload.restart) scheduleRestart(c);
    });
    await c.connect();
    // A stop that came while this one connected has already disconnected it: do not run it.
    if (stopping) return;
    await c.subscribe({ topics: inputs, fromBeginning: true });
    if (stopping) return;
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently,
      eachBatch,
    });
  };

  return {
    start: async () => {
      if (consumer) throw new Error('Kafka ingest already started');
      producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await launch();
      log.info({ groupId: config.groupId, topics: inputs }, 'Kafka ingest started');
    },
    stop: () => {
      stopping ??= (async () => {
        if (restartTimer) clearTimeout(restartTimer);
        try {
          await consumer?.disconnect();
        } finally {
          await producer?.disconnect();
          log.info({ groupId: config.groupId }, 'Kafka ingest stopped');
        }
      })();
      return stopping;
    },
  };
};
