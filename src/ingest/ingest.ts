import type { ValidEvent } from '../../domain/validation.js';
import type { DataKey, KeyVault } from '../crypto/key-vault.js';
import type { AppendOutcome, EventLog, PreparedEvent } from '../log/event-log.js';
import type { Metrics } from '../metrics.js';
import { checkBatch, subjectsToSeal, type RejectedEvent } from './check-batch.js';
import type { PreparePool } from './prepare-pool.js';
import { prepareEvent } from './prepare.js';
import { conflictingDuplicates } from './conflicts.js';
import { invalidEventType } from './invalid-type.js';
import { survivesJson } from './json-transport.js';

export type { RejectedEvent };

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
  /**
   * Counts events refused before they could be handed over (a body that is not JSON, an invalid
   * OpenLineage event) in `gouvernail_ingest_events_total{outcome="invalid"}`, one per type given.
   */
  countInvalid(types: readonly string[], source: string): void;
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
  /** Seals, encodes, hashes and appends an accepted batch; `prepare` does the first three. */
  const append = async (
    subjects: readonly string[],
    prepare: (ctx: {
      origin: string;
      recordedAt: string;
      keys: ReadonlyMap<string, DataKey>;
    }) => Promise<PreparedEvent[]> | PreparedEvent[],
    source: string,
  ): Promise<IngestResult> => {
    const keys = subjects.length > 0 ? await vault.dataKeys(subjects) : new Map<string, DataKey>();
    const timer = metrics.appendSeconds.startTimer();
    const prepared = await prepare({ origin, recordedAt: now().toISOString(), keys });
    const appended = await log.append(prepared);
    timer();
    // Only producers' ids are checked: gouvernail's own repeat on purpose with a newer occurredAt
    // (the collector's, when two instances or a restart see the same change).
    const conflicts = producerSources.has(source)
      ? await conflictingDuplicates(log, prepared, appended)
      : new Set<number>();
    const outcomes: IngestOutcome[] = appended.map((o, i) =>
      conflicts.has(i) ? { id: o.id, position: o.position, status: 'conflict' } : o,
    );
    const counts = new Map<string, number>();
    outcomes.forEach((o, i) => {
      const key = `${o.status}\u0000${prepared[i]!.type}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
    for (const [key, n] of counts) {
      const [outcome, type] = key.split('\u0000') as [string, string];
      metrics.ingested.inc({ type, source, outcome }, n);
    }
    return { status: 'accepted', outcomes };
  };

  const countInvalid = (types: readonly string[], source: string): void => {
    const counts = new Map<string, number>();
    for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
    for (const [type, n] of counts) metrics.ingested.inc({ type, source, outcome: 'invalid' }, n);
  };

  const refuse = (
    rejected: readonly RejectedEvent[],
    inputs: readonly unknown[],
    source: string,
  ): IngestResult => {
    countInvalid(
      rejected.map((r) => invalidEventType(inputs[r.index])),
      source,
    );
    return { status: 'rejected', rejected };
  };

  /** Checks, then appends unless anything was refused: on the pool's workers when there is one. */
  const run = async (
    inputs: readonly unknown[],
    source: string,
    validate: boolean,
  ): Promise<IngestResult> => {
    const producer = producerSources.has(source);
    // JSON is how a batch reaches a worker, and it cannot carry everything a caller may hand over
    // (1e400 parses to Infinity, which JSON writes as null; undefined members; Dates): such a batch
    // is checked here, so the answer is the same with or without workers.
    if (!pool || !inputs.every((e) => survivesJson(e))) {
      const { valid, rejected } = checkBatch(inputs, { validate, producer });
      if (rejected.length > 0) return refuse(rejected, inputs, source);
      return append(subjectsToSeal(valid), (ctx) => valid.map((e) => prepareEvent(e, ctx)), source);
    }
    const checked = await pool.check(inputs, { validate, producer });
    if (checked.rejected.length > 0) return refuse(checked.rejected, inputs, source);
    let prepared = false;
    try {
      return await append(
        checked.subjects,
        (ctx) => {
          prepared = true;
          return checked.prepare(ctx);
        },
        source,
      );
    } finally {
      if (!prepared) checked.drop();
    }
  };

  return {
    ingest: (inputs, source) => run(inputs, source, true),
    ingestValid: (events, source) => run(events, source, false),
    countInvalid,
  };
};
