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

/** Longest range read at once; a run of duplicates longer than this is read in several. */
const READ_RUN = 1000;

/**
 * The stored entries at `positions`, read in runs of consecutive positions: a retried batch is one
 * run, so its duplicates cost one range read instead of one read each.
 */
const storedAt = async (
  log: Pick<EventLog, 'read'>,
  positions: readonly number[],
): Promise<Map<number, RecordedEnvelope>> => {
  const sorted = [...new Set(positions)].sort((a, b) => a - b);
  const found = new Map<number, RecordedEnvelope>();
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[j - 1]! + 1 && j - i < READ_RUN) j++;
    for (const e of await log.read(sorted[i]!, j - i)) found.set(e.position, e.event);
    i = j;
  }
  return found;
};

/**
 * Indexes of the events the log answered as duplicates although the entry it holds under their id says
 * something else: a producer reusing an id. The log keeps the first version; the caller learns that
 * this one was not stored. Costs one range read per run of consecutive duplicate positions.
 */
export const conflictingDuplicates = async (
  log: Pick<EventLog, 'read'>,
  events: readonly PreparedEvent[],
  outcomes: readonly AppendOutcome[],
): Promise<Set<number>> => {
  const conflicts = new Set<number>();
  // An OpenLineage event's id is its content's hash: the same id is the same event, whichever way
  // (HTTP or Kafka, by whichever client) it came.
  const checked = outcomes.flatMap((o, i) =>
    o.status === 'duplicate' && !(o.id.startsWith('ol:') && events[i]!.type === 'LineageRunEvent')
      ? [i]
      : [],
  );
  if (checked.length === 0) return conflicts;
  const stored = await storedAt(
    log,
    checked.map((i) => outcomes[i]!.position),
  );
  // Each stored entry is encoded once, however many events of the batch repeat its id.
  const storedSaid = new Map<number, string>();
  for (const i of checked) {
    const position = outcomes[i]!.position;
    const entry = stored.get(position);
    if (!entry) continue;
    let said = storedSaid.get(position);
    if (said === undefined) storedSaid.set(position, (said = saidIn(entry)));
    if (said !== saidIn(events[i]!.event)) conflicts.add(i);
  }
  return conflicts;
};
