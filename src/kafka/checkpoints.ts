import type { Producer } from 'kafkajs';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { kafkaMetrics } from './metrics.js';

export interface CheckpointSink {
  /**
   * Sends a signed checkpoint note (C2SP signed note text) to the checkpoints topic, keyed by the
   * log origin (the note's first line). A note equal to the last one sent is skipped. Never
   * rejects: a failed send is logged and counted, and the next checkpoint, which proves everything
   * the failed one did, goes out as usual.
   */
  onCheckpoint(note: string): Promise<void>;
  /** Resolves once every note handed over so far has been sent (or its failure logged). */
  sent(): Promise<void>;
}

/** The origin line of a C2SP checkpoint: the first line of its note. */
export const checkpointOrigin = (note: string): string => {
  const end = note.indexOf('\n');
  const origin = end < 0 ? note : note.slice(0, end);
  if (origin === '') throw new Error('not a checkpoint note: the first line (origin) is empty');
  return origin;
};

/**
 * Publishes each new signed checkpoint to a Kafka topic, so witnesses and auditors can follow the
 * log's checkpoints without calling the service. The producer must be connected; the topic should
 * use the `delete` cleanup policy (compaction would keep only the latest note per origin).
 */
export const publishCheckpoints = ({
  producer,
  topic,
  log,
  metrics,
}: {
  producer: Pick<Producer, 'send'>;
  topic: string;
  log?: Logger;
  metrics?: Metrics;
}): CheckpointSink => {
  const counter = metrics ? kafkaMetrics(metrics).checkpointsPublished : undefined;
  let last: string | undefined;
  let queue: Promise<void> = Promise.resolve();
  const send = async (note: string): Promise<void> => {
    if (note === last) return;
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: checkpointOrigin(note), value: note }],
      });
      last = note;
      counter?.inc({ outcome: 'sent' });
    } catch (e) {
      counter?.inc({ outcome: 'failed' });
      log?.error({ err: e, topic }, 'cannot publish the checkpoint to Kafka');
    }
  };
  return {
    // One at a time, in the order the checkpoints were signed.
    onCheckpoint: (note) => (queue = queue.then(() => send(note))),
    sent: () => queue,
  };
};
