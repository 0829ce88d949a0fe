import { producerEventTypes, type EventType } from '../../domain/catalogue.js';
import type { NewEventEnvelope } from '../../domain/envelope.js';
import { validateNewEvent, type ValidationIssue } from '../../domain/validation.js';
import type { KeyVault } from '../crypto/key-vault.js';
import type { AppendOutcome, EventLog, PreparedEvent } from '../log/event-log.js';
import type { Metrics } from '../metrics.js';
import type { PreparePool } from './prepare-pool.js';
import { prepareEvent } from './prepare.js';

/** Where a refused event was in its batch, and every reason it was refused. */
export interface RejectedEvent {
  readonly index: number;
  readonly id?: string;
  readonly issues: readonly ValidationIssue[];
}

export type IngestResult =
  | { readonly status: 'accepted'; readonly outcomes: readonly AppendOutcome[] }
  | { readonly status: 'rejected'; readonly rejected: readonly RejectedEvent[] };

/** Sources whose events come from producers outside gouvernail: they may submit only producer types. */
const producerSources: ReadonlySet<string> = new Set(['http', 'kafka', 'openlineage']);

export interface Ingestor {
  /**
   * Validates the whole batch, then seals, encodes and appends it. A batch with any invalid event
   * is refused whole: nothing of it is stored, and every bad event is named.
   */
  ingest(inputs: readonly unknown[], source: string): Promise<IngestResult>;
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
}): Ingestor => ({
  ingest: async (inputs, source) => {
    const rejected: RejectedEvent[] = [];
    const valid: (NewEventEnvelope & { type: EventType })[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const result = validateNewEvent(inputs[i]);
      if (!result.ok) rejected.push({ index: i, ...idOf(inputs[i]), issues: result.error });
      else if (producerSources.has(source) && !producerEventTypes.has(result.value.type)) {
        rejected.push({
          index: i,
          id: result.value.id,
          issues: [
            {
              path: '/type',
              message: `${result.value.type} is recorded by gouvernail itself and is not accepted from producers`,
            },
          ],
        });
      } else valid.push(result.value);
    }
    if (rejected.length > 0) {
      metrics.ingested.inc({ type: 'unknown', source, outcome: 'invalid' }, rejected.length);
      return { status: 'rejected', rejected };
    }
    const subjects = new Set<string>();
    for (const e of valid) for (const s of Object.keys(e.personal ?? {})) subjects.add(s);
    const keys = subjects.size > 0 ? await vault.dataKeys([...subjects]) : new Map();
    const timer = metrics.appendSeconds.startTimer();
    const recordedAt = now().toISOString();
    const ctx = { origin, recordedAt, keys };
    const prepared: PreparedEvent[] = pool
      ? await pool.prepare(valid, ctx)
      : valid.map((e) => prepareEvent(e, ctx));
    const outcomes = await log.append(prepared);
    timer();
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
  },
});

const idOf = (input: unknown): { id?: string } => {
  if (typeof input === 'object' && input !== null && 'id' in input && typeof input.id === 'string')
    return { id: input.id };
  return {};
};
