import {
  ANY,
  binaryEvent,
  FORWARDS,
  START,
  type EventStoreDBClient,
  type Position,
} from '@eventstore/db-client';
import type { RecordedEnvelope } from '../../../domain/envelope.js';
import {
  EventLogError,
  type AppendOutcome,
  type EventLog,
  type PreparedEvent,
  type StoredEntry,
} from '../event-log.js';
import { followLog } from '../follow.js';
import { esdbEventId, esdbStream } from './ids.js';

interface Indexed {
  readonly id: string;
  readonly stream: string;
  readonly at: Position;
}

const decoder = new TextDecoder();

const translate = (what: string, cause: unknown): EventLogError => {
  const name = cause instanceof Error ? cause.constructor.name : '';
  const retriable = /Unavailable|DeadlineExceeded|Timeout|NotLeader|Cancelled/.test(name);
  return new EventLogError(
    `${what} failed on EventStoreDB: ${cause instanceof Error ? cause.message : String(cause)}`,
    retriable,
    { cause },
  );
};

/**
 * The log on EventStoreDB: one stream per aggregate (`<prefix><stream>`), entries stored as the
 * exact canonical bytes (binary events, our id in the metadata). The total order is the order of
 * `$all`: every instance reading `$all` assigns the same dense positions, and an id met a second
 * time there (two writers racing) is a duplicate, skipped by everyone alike. Appends of one batch
 * to several streams are not atomic across streams (EventStoreDB has no multi-stream transaction):
 * a batch cut short by a failure is completed by the producer's retry, absorbed by the id check.
 *
 * The id → position index is held in memory and rebuilt from `$all` on start; a very large log
 * wants it persisted (not done yet).
 */
export const createEventStoreDbLog = ({
  client,
  prefix = 'gv-',
  pollMs = 200,
}: {
  client: EventStoreDBClient;
  prefix?: string;
  pollMs?: number;
}): EventLog => {
  const byId = new Map<string, number>();
  const entries: Indexed[] = [];
  let lastSeen: Position | undefined;
  let syncing: Promise<void> = Promise.resolve();
  let appending: Promise<unknown> = Promise.resolve();

  /** Subscriptions of this process: woken after each of our appends instead of at their next poll. */
  const followers = new Set<{ wake(): void }>();

  /** A read of `$all` that has not started yet: callers arriving meanwhile share it. */
  let queued: Promise<void> | undefined;

  /** Reads `$all` past what is indexed and indexes our new events. */
  const sync = (): Promise<void> => {
    if (queued) return queued;
    const next = syncing.then(async () => {
      queued = undefined;
      try {
        const read = client.readAll({
          fromPosition: lastSeen ?? START,
          direction: FORWARDS,
          maxCount: 100_000,
        });
        for await (const resolved of read) {
          const e = resolved.event;
          if (!e) continue;
          if (
            lastSeen &&
            e.position.commit === lastSeen.commit &&
            e.position.prepare === lastSeen.prepare
          )
            continue;
          lastSeen = e.position;
          if (!e.streamId.startsWith(prefix) || e.type.startsWith('$')) continue;
          const id = (e.metadata as { gouvernailId?: unknown } | undefined)?.gouvernailId;
          if (typeof id !== 'string' || byId.has(id)) continue;
          byId.set(id, entries.length);
          entries.push({ id, stream: e.streamId.slice(prefix.length), at: e.position });
        }
      } catch (cause) {
        throw translate('reading $all', cause);
      }
    });
    // A failed read must not fail every later one: the next call reads again from `lastSeen`.
    syncing = next.catch(() => undefined);
    queued = next;
    return next;
  };

  const readRange = async (from: number, limit: number): Promise<StoredEntry[]> => {
    await sync();
    const first = entries[from];
    if (!first || limit <= 0) return [];
    const out: StoredEntry[] = [];
    try {
      for await (const resolved of client.readAll({
        fromPosition: first.at,
        direction: FORWARDS,
      })) {
        const e = resolved.event;
        if (!e || !e.streamId.startsWith(prefix) || e.type.startsWith('$')) continue;
        const id = (e.metadata as { gouvernailId?: string } | undefined)?.gouvernailId;
        const position = id === undefined ? undefined : byId.get(id);
        if (
          position === undefined ||
          entries[position]!.at.commit !== e.position.commit ||
          entries[position]!.at.prepare !== e.position.prepare
        )
          continue;
        const entry = e.data as Uint8Array;
        out.push({ position, entry, event: JSON.parse(decoder.decode(entry)) as RecordedEnvelope });
        if (out.length >= limit || position >= entries.length - 1) break;
      }
    } catch (cause) {
      throw translate('reading', cause);
    }
    return out;
  };

  const appendBatch = async (batch: readonly PreparedEvent[]): Promise<AppendOutcome[]> => {
    await sync();
    const fresh = new Set<string>();
    const runs: { stream: string; events: PreparedEvent[] }[] = [];
    for (const p of batch) {
      if (byId.has(p.id) || fresh.has(p.id)) continue;
      fresh.add(p.id);
      const last = runs[runs.length - 1];
      if (last && last.stream === p.stream) last.events.push(p);
      else runs.push({ stream: p.stream, events: [p] });
    }
    try {
      for (const run of runs) {
        await client.appendToStream(
          esdbStream(prefix, run.stream),
          run.events.map((p) =>
            binaryEvent({
              id: esdbEventId(p.id),
              type: p.type,
              data: p.entry,
              metadata: { gouvernailId: p.id },
            }),
          ),
          { expectedRevision: ANY },
        );
      }
    } catch (cause) {
      throw translate('append', cause);
    }
    await sync();
    for (const f of followers) f.wake();
    const reported = new Set<string>();
    return batch.map((p) => {
      const position = byId.get(p.id);
      if (position === undefined)
        throw new EventLogError(`event ${p.id} was appended but is not in $all`, true);
      const status = fresh.has(p.id) && !reported.has(p.id) ? 'appended' : 'duplicate';
      reported.add(p.id);
      return { id: p.id, position, status };
    });
  };

  return {
    append: (batch) => {
      const result = appending.then(() => appendBatch(batch));
      appending = result.catch(() => undefined);
      return result;
    },
    read: readRange,
    readStream: async (stream, from = 0, limit = 1000) => {
      await sync();
      const out: StoredEntry[] = [];
      try {
        for await (const resolved of client.readStream(esdbStream(prefix, stream), {
          fromRevision: START,
          direction: FORWARDS,
        })) {
          const e = resolved.event;
          const id = (e?.metadata as { gouvernailId?: string } | undefined)?.gouvernailId;
          const position = id === undefined ? undefined : byId.get(id);
          if (
            !e ||
            position === undefined ||
            position < from ||
            entries[position]!.stream !== stream
          )
            continue;
          if (out.some((o) => o.position === position)) continue;
          const entry = e.data as Uint8Array;
          out.push({
            position,
            entry,
            event: JSON.parse(decoder.decode(entry)) as RecordedEnvelope,
          });
          if (out.length >= limit) break;
        }
      } catch (cause) {
        if (cause instanceof Error && cause.constructor.name === 'StreamNotFoundError') return [];
        throw translate('reading a stream', cause);
      }
      return out;
    },
    subscribe: (from, onBatch, onError) => {
      const follower = followLog({
        read: (at) => readRange(at, 1000),
        from,
        onBatch,
        onError,
        idleMs: pollMs,
      });
      followers.add(follower);
      return {
        close: async () => {
          followers.delete(follower);
          await follower.close();
        },
      };
    },
    size: async () => {
      await sync();
      return entries.length;
    },
    positionOf: async (id) => {
      await sync();
      return byId.get(id) ?? null;
    },
    close: async () => {
      await appending;
      await client.dispose();
    },
  };
};
