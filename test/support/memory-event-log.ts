import { isEventType, streamOf, type AuditEvent } from '../../domain/catalogue.js';
import type { RecordedEnvelope } from '../../domain/envelope.js';
import type {
  AppendOutcome,
  EventLog,
  PreparedEvent,
  StoredEntry,
  Subscription,
} from '../../src/log/event-log.js';

export interface MemoryEventLog extends EventLog {
  /** Appends recorded envelopes directly, without sealing or hashing. */
  appendEvents(events: readonly RecordedEnvelope[]): Promise<AppendOutcome[]>;
  /** Resolves once every open subscription has delivered every entry. */
  idle(): Promise<void>;
}

interface Subscriber {
  next: number;
  closed: boolean;
  pumping: Promise<void> | null;
  pump(): Promise<void>;
}

const encoder = new TextEncoder();

const settle = <T>(work: () => T): Promise<T> =>
  new Promise((resolve) => {
    resolve(work());
  });

/**
 * In-memory EventLog for unit tests. A subscription catches up from `from`, then follows appends,
 * in batches of at most `subscribeBatch`, awaiting `onBatch` before the next.
 */
export const createMemoryEventLog = ({ subscribeBatch = 100 } = {}): MemoryEventLog => {
  const entries: StoredEntry[] = [];
  const streams: string[] = [];
  const ids = new Map<string, number>();
  const subscribers = new Set<Subscriber>();

  const append = (batch: readonly PreparedEvent[]): Promise<AppendOutcome[]> =>
    settle(() => {
      const outcomes = batch.map((p): AppendOutcome => {
        const existing = ids.get(p.event.id);
        if (existing !== undefined)
          return { id: p.event.id, position: existing, status: 'duplicate' };
        const position = entries.length;
        entries.push({ position, event: p.event, entry: p.entry });
        streams.push(p.stream);
        ids.set(p.event.id, position);
        return { id: p.event.id, position, status: 'appended' };
      });
      for (const s of subscribers) void s.pump();
      return outcomes;
    });

  const subscribe = (
    from: number,
    onBatch: (batch: StoredEntry[]) => Promise<void>,
  ): Subscription => {
    const s: Subscriber = {
      next: from,
      closed: false,
      pumping: null,
      pump: () => {
        s.pumping ??= (async () => {
          while (!s.closed && s.next < entries.length) {
            const batch = entries.slice(s.next, s.next + subscribeBatch);
            s.next += batch.length;
            await onBatch(batch);
          }
        })()
          .catch(() => undefined)
          .finally(() => {
            s.pumping = null;
          });
        return s.pumping;
      },
    };
    subscribers.add(s);
    queueMicrotask(() => void s.pump());
    return {
      close: () =>
        settle(() => {
          s.closed = true;
          subscribers.delete(s);
        }),
    };
  };

  return {
    append,
    appendEvents: (events) =>
      append(
        events.map((event) => ({
          id: event.id,
          type: event.type,
          event,
          entry: encoder.encode(JSON.stringify(event)),
          leafHash: new Uint8Array(32),
          stream: isEventType(event.type) ? streamOf(event as AuditEvent) : event.type,
          sealedBlobs: [],
        })),
      ),
    read: (from, limit) => settle(() => entries.slice(from, from + limit)),
    readStream: (stream, from = 0, limit = Number.MAX_SAFE_INTEGER) =>
      settle(() =>
        entries.filter((e) => e.position >= from && streams[e.position] === stream).slice(0, limit),
      ),
    subscribe,
    size: () => settle(() => entries.length),
    positionOf: (id) => settle(() => ids.get(id) ?? null),
    close: () =>
      settle(() => {
        for (const s of subscribers) s.closed = true;
        subscribers.clear();
      }),
    idle: async () => {
      for (;;) {
        await new Promise<void>((r) => setTimeout(r, 0));
        const busy = [...subscribers].filter((s) => s.pumping !== null || s.next < entries.length);
        if (busy.length === 0) return;
        await Promise.all(busy.map((s) => s.pump()));
      }
    },
  };
};
