import { randomUUID } from 'node:crypto';
import type { Role } from '../domain/primitives.js';
import { clipText } from '../domain/text.js';
import type { Ingestor } from './ingest/ingest.js';
import type { Logger } from './logger.js';

export interface RecordedAccess {
  readonly principal: string;
  readonly role: Role;
  readonly resource: string;
  readonly action: 'read' | 'query';
  readonly decision: 'allowed' | 'denied';
  readonly operation?: string;
  readonly reason?: string;
  readonly clientAddress?: string;
  readonly subjects?: readonly string[];
}

export interface AccessRecorder {
  /** Queues the entry; it is appended with the next flush. */
  record(entry: RecordedAccess): void;
  /**
   * Appends the entry with the next flush, which starts at once (or as soon as the one under way
   * ends, so that concurrent callers share an append), and resolves once the log holds it durably;
   * rejects, and forgets the entry, when it could not be appended. For accesses that must not be
   * answered unrecorded: GraphQL operations and reads of personal fields.
   */
  recordDurably(entry: RecordedAccess): Promise<void>;
  /** Appends whatever is queued; called on a timer and on shutdown. */
  flush(): Promise<void>;
  /**
   * Stops the timer and appends what is queued, trying a few times; rejects when records are still
   * left, after writing them to the service log at `fatal`.
   */
  stop(): Promise<void>;
}

/** A queued record, and its waiting caller when it was recorded durably. */
interface Queued {
  readonly event: ReturnType<typeof accessEvent>;
  readonly waiter?: { resolve(): void; reject(e: Error): void };
}

/**
 * The auditors are audited: every GraphQL operation and every read of personal fields becomes an
 * AccessRecorded event. Records are appended in batches: those a caller waits for (see
 * `recordDurably`) at once, together with whatever else is queued and with the records of callers
 * arriving meanwhile; the rest on a timer. A failed append is logged loudly; the records nobody
 * waits for are retried with the next flush.
 */
export const createAccessRecorder = ({
  ingestor,
  log,
  intervalMs = 200,
  now = () => new Date(),
}: {
  ingestor: Ingestor;
  log: Logger;
  intervalMs?: number;
  now?: () => Date;
}): AccessRecorder => {
  let queue: Queued[] = [];
  let flushing: Promise<void> = Promise.resolve();

  /** Appends `batch`; returns the records that failed for a reason retrying cannot cure. */
  const append = async (batch: readonly Queued[]): Promise<Set<Queued>> => {
    const r = await ingestor.ingest(
      batch.map((q) => q.event),
      'gouvernail',
    );
    if (r.status === 'accepted') return new Set();
    // One bad record must not cost the others theirs: append the rest.
    log.error({ rejected: r.rejected }, 'self-audit events were refused');
    const refused = new Set(r.rejected.map((x) => batch[x.index]!));
    const rest = batch.filter((q) => !refused.has(q));
    const again =
      rest.length > 0
        ? await ingestor.ingest(
            rest.map((q) => q.event),
            'gouvernail',
          )
        : undefined;
    if (again?.status === 'rejected') {
      log.error({ rejected: again.rejected }, 'self-audit events were refused');
      for (const x of again.rejected) refused.add(rest[x.index]!);
    }
    return refused;
  };

  const flush = (): Promise<void> => {
    flushing = flushing.then(async () => {
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      try {
        const refused = await append(batch);
        for (const q of batch)
          if (refused.has(q))
            q.waiter?.reject(new Error('the self-audit event was refused by validation'));
          else q.waiter?.resolve();
      } catch (e) {
        const waiting = batch.filter((q) => q.waiter).length;
        log.error(
          { err: e, failedWaiting: waiting, retried: batch.length - waiting },
          'could not record self-audit events: those waited for fail, the others are retried',
        );
        // A waiting caller is told now (and answers without disclosing); the others wait for the next flush.
        for (const q of batch) q.waiter?.reject(e instanceof Error ? e : new Error(String(e)));
        queue = [...batch.filter((q) => !q.waiter), ...queue];
      }
    });
    return flushing;
  };
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();
  return {
    record: (e) => {
      queue.push({ event: accessEvent(e, now()) });
    },
    recordDurably: (e) =>
      new Promise<void>((resolve, reject) => {
        queue.push({ event: accessEvent(e, now()), waiter: { resolve, reject } });
        void flush();
      }),
    flush,
    stop: async () => {
      clearInterval(timer);
      for (let attempt = 0; ; attempt++) {
        await flush();
        if (queue.length === 0) return;
        if (attempt === stopAttempts.length) break;
        await new Promise((r) => setTimeout(r, stopAttempts[attempt]));
      }
      // The log cannot take them (a full disk): the service log is the last place they can go.
      const lost = queue.map((q) => q.event);
      queue = [];
      log.fatal(
        { records: lost },
        `${lost.length} self-audit records could not be appended to the log before shutdown`,
      );
      throw new Error(
        `${lost.length} self-audit records could not be appended to the log; they are in the service log`,
      );
    },
  };
};

/** Pauses between the last flushes at shutdown, while the log refuses them (ms). */
const stopAttempts = [250, 500, 1000];

const accessEvent = (e: RecordedAccess, at: Date) => ({
  id: `self:${randomUUID()}`,
  type: 'AccessRecorded',
  schemaVersion: 1,
  occurredAt: at.toISOString(),
  producer: 'gouvernail',
  // The envelope's actor.principal holds 256 characters, data.principal 512.
  actor: { principal: clipText(e.principal, 256), role: e.role },
  subjects: [...(e.subjects ?? [])],
  data: {
    principal: clipText(e.principal, 512),
    resource: e.resource,
    action: e.action,
    decision: e.decision,
    mechanism: 'jwt',
    ...(e.operation ? { operation: clipText(e.operation, 512) } : {}),
    ...(e.reason ? { reason: clipText(e.reason, 2048) } : {}),
    ...(e.clientAddress ? { clientAddress: clipText(e.clientAddress, 128) } : {}),
  },
});
