import { canonicalize } from '../../domain/canonical.js';
import type { RecordedEnvelope } from '../../domain/envelope.js';
import type { AppendOutcome, EventLog, PreparedEvent } from '../log/event-log.js';

/**
 * What a producer said in an event, comparable between a new entry and a stored one: everything
 * but `recordedAt` (the server's clock) and the ciphertext (sealed under a fresh nonce each time),
 * of which only which fields were sealed for which subject counts.
 */
const said = (
  e: {
    readonly type: string;
    readonly schemaVersion: number;
    readonly occurredAt: string;
    readonly producer: string;
    readonly actor: unknown;
    readonly subjects?: readonly string[];
    readonly data: unknown;
  },
  personal: Readonly<Record<string, readonly string[]>>,
): string =>
  canonicalize({
    type: e.type,
    schemaVersion: e.schemaVersion,
    occurredAt: e.occurredAt,
    producer: e.producer,
    actor: e.actor,
    subjects: e.subjects ?? [],
    data: e.data,
    personal,
  });

const saidIn = (e: RecordedEnvelope): string =>
  said(
    e,
    Object.fromEntries(
      Object.entries(e.sealed ?? {}).map(([s, ref]) => [s, [...ref.fields].sort()]),
    ),
  );

/**
 * Indexes of the events the log answered as duplicates although the entry it holds under their id says
 * something else: a producer reusing an id. The log keeps the first version; the caller learns that
 * this one was not stored. Costs one read per duplicate (retries and redeliveries).
 */
export const conflictingDuplicates = async (
  log: Pick<EventLog, 'read'>,
  events: readonly PreparedEvent[],
  outcomes: readonly AppendOutcome[],
): Promise<Set<number>> => {
  const conflicts = new Set<number>();
  // Each stored entry is read and encoded once, however many events of the batch repeat its id.
  const storedSaid = new Map<number, string | null>();
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (o.status !== 'duplicate') continue;
    // An OpenLineage event's id is its content's hash: the same id is the same event, whichever way
    // (HTTP or Kafka, by whichever client) it came.
    if (o.id.startsWith('ol:') && events[i]!.type === 'LineageRunEvent') continue;
    let stored = storedSaid.get(o.position);
    if (stored === undefined) {
      const [entry] = await log.read(o.position, 1);
      stored = entry ? saidIn(entry.event) : null;
      storedSaid.set(o.position, stored);
    }
    if (stored !== null && stored !== saidIn(events[i]!.event)) conflicts.add(i);
  }
  return conflicts;
};
