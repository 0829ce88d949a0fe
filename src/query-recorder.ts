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
   * Appends the entry now and resolves once the log holds it durably; rejects when it could not be
   * appended. For accesses that must not happen unrecorded (a read of personal fields).
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

/**
 * The auditors are audited: every GraphQL operation and every read of personal fields becomes an
 * AccessRecorded event. Entries are queued and appended in small batches so queries do not wait for
 * the log; a failed append is logged loudly and retried with the next flush.
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
  let queue: unknown[] = [];
  let flushing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    flushing = flushing.then(async () => {
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      try {
        const r = await ingestor.ingest(batch, 'gouvernail');
        if (r.status === 'rejected') {
          // One bad record must not cost the others theirs: append the rest.
          log.error({ rejected: r.rejected }, 'self-audit events were refused');
          const refused = new Set(r.rejected.map((x) => x.index));
          const rest = batch.filter((_, i) => !refused.has(i));
          const again = rest.length > 0 ? await ingestor.ingest(rest, 'gouvernail') : undefined;
          if (again?.status === 'rejected')
            log.error({ rejected: again.rejected }, 'self-audit events were refused');
        }
      } catch (e) {
        log.error({ err: e }, 'could not record self-audit events; retrying');
        queue = [...batch, ...queue];
      }
    });
    return flushing;
  };
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();
  return {
    record: (e) => {
      queue.push(accessEvent(e, now()));
    },
    recordDurably: async (e) => {
      const r = await ingestor
        .ingest([accessEvent(e, now())], 'gouvernail')
        .catch((err: unknown) => {
          log.error({ err }, 'could not record a self-audit event');
          throw err;
        });
      if (r.status === 'rejected') {
        log.error({ rejected: r.rejected }, 'self-audit event was refused');
        throw new Error('the self-audit event was refused by validation');
      }
    },
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
      const lost = queue;
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
