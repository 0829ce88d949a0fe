import { producerRefusal } from '../../domain/producer-rules.js';
import {
  validateNewEvent,
  type ValidEvent,
  type ValidationIssue,
} from '../../domain/validation.js';
import type { KeyVault } from '../crypto/key-vault.js';
import type { AppendOutcome, EventLog, PreparedEvent } from '../log/event-log.js';
import type { Metrics } from '../metrics.js';
import type { PreparePool } from './prepare-pool.js';
import { prepareEvent } from './prepare.js';
import { reservedIdRefusal } from './reserved-ids.js';
import { conflictingDuplicates } from './conflicts.js';

/** Where a refused event was in its batch, and every reason it was refused. */
export interface RejectedEvent {
  readonly index: number;
  readonly id?: string;
  readonly issues: readonly ValidationIssue[];
}

/**
 * What became of one event: appended, a duplicate of the entry already stored under its id, or a
 * conflict: its id is taken by an entry that says something else, and it was not stored.
 */
export type IngestOutcome =
  AppendOutcome | { readonly id: string; readonly position: number; readonly status: 'conflict' };

export type IngestResult =
  | { readonly status: 'accepted'; readonly outcomes: readonly IngestOutcome[] }
  | { readonly status: 'rejected'; readonly rejected: readonly RejectedEvent[] };

/** Sources whose events come from producers outside gouvernail: they may submit only producer types. */
const producerSources: ReadonlySet<string> = new Set(['http', 'kafka', 'openlineage']);

export type { ValidEvent };

export interface Ingestor {
  /**
   * Validates the whole batch, then seals, encodes and appends it. A batch with any invalid event
   * is refused whole: nothing of it is stored, and every bad event is named.
   */
  ingest(inputs: readonly unknown[], source: string): Promise<IngestResult>;
  /**
   * {@link ingest} for events the caller has just validated itself (the Kafka consumer classifies
   * each message first): skips the second validation, still refuses types a producer may not send.
   */
  ingestValid(events: readonly ValidEvent[], source: string): Promise<IngestResult>;
}

export const createIngestor = ({
  log,
  vault,
  origin,
  metrics,
  now = () => new Date(),
  pool,
}: {
  log: EventLog;
  vault: KeyVault;
  origin: string;
  metrics: Metrics;
  now?: () => Date;
  /** Prepares (seals, encodes, hashes) batches on worker threads; in this thread when absent. */
  pool?: PreparePool;
}): Ingestor => {
  /** Events a producer may not send although they are valid (see {@link producerRefusal}). */
  const producerRefusals = (
    events: readonly ValidEvent[],
    source: string,
    offset: (i: number) => number,
  ): RejectedEvent[] => {
    const rejected: RejectedEvent[] = [];
    if (!producerSources.has(source)) return rejected;
    events.forEach((e, i) => {
      const issue = producerRefusal(e) ?? reservedIdRefusal(e);
      if (issue) rejected.push({ index: offset(i), id: e.id, issues: [issue] });
    });
    return rejected;
  };

  const append = async (valid: readonly ValidEvent[], source: string): Promise<IngestResult> => {
    const subjects = new Set<string>();
    for (const e of valid) for (const s of Object.keys(e.personal ?? {})) subjects.add(s);
    const keys = subjects.size > 0 ? await vault.dataKeys([...subjects]) : new Map();
    const timer = metrics.appendSeconds.startTimer();
    const recordedAt = now().toISOString();
    const ctx = { origin, recordedAt, keys };
    const prepared: PreparedEvent[] = pool
      ? await pool.prepare(valid, ctx)
      : valid.map((e) => prepareEvent(e, ctx));
    const appended = await log.append(prepared);
    timer();
    // Only producers' ids are checked: gouvernail's own (the collector's, bucketed by time) repeat
    // on purpose with a newer occurredAt.
    const conflicts = producerSources.has(source)
      ? await conflictingDuplicates(log, valid, appended)
      : new Set<number>();
    const outcomes: IngestOutcome[] = appended.map((o, i) =>
      conflicts.has(i) ? { id: o.id, position: o.position, status: 'conflict' } : o,
    );
    const counts = new Map<string, number>();
    outcomes.forEach((o, i) => {
      const key = `${o.status}\u0000${valid[i]!.type}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
    for (const [key, n] of counts) {
      const [outcome, type] = key.split('\u0000') as [string, string];
      metrics.ingested.inc({ type, source, outcome }, n);
    }
    return { status: 'accepted', outcomes };
  };

  const refuse = (rejected: readonly RejectedEvent[], source: string): IngestResult => {
    metrics.ingested.inc({ type: 'unknown', source, outcome: 'invalid' }, rejected.length);
    return { status: 'rejected', rejected };
  };

  return {
    ingest: async (inputs, source) => {
      const rejected: RejectedEvent[] = [];
      const valid: ValidEvent[] = [];
      const at: number[] = [];
      for (let i = 0; i < inputs.length; i++) {
        const result = validateNewEvent(inputs[i]);
        if (!result.ok) rejected.push({ index: i, ...idOf(inputs[i]), issues: result.error });
        else {
          valid.push(result.value);
          at.push(i);
        }
      }
      rejected.push(...producerRefusals(valid, source, (i) => at[i]!));
      if (rejected.length > 0)
        return refuse(
          rejected.sort((a, b) => a.index - b.index),
          source,
        );
      return append(valid, source);
    },
    ingestValid: async (events, source) => {
      const rejected = producerRefusals(events, source, (i) => i);
      if (rejected.length > 0) return refuse(rejected, source);
      return append(events, source);
    },
  };
};

const idOf = (input: unknown): { id?: string } => {
  if (typeof input === 'object' && input !== null && 'id' in input && typeof input.id === 'string')
    return { id: input.id };
  return {};
};
