import type { RecordedEnvelope } from '../../../domain/envelope.js';
import type { EventLog, StoredEntry } from '../event-log.js';
import { followLog } from '../follow.js';
import { openSqlite } from './open.js';
import { createBundleReader, entryTypeOf, type BundledEntry } from './bundle-reader.js';

/** What a projection runner needs from the log. */
export type LogReader = Pick<EventLog, 'read' | 'subscribe' | 'size'> & { close(): Promise<void> };

const noBytes = new Uint8Array(0);

/** Stands for an entry of a type the reader was not asked for: no projection of its reads it. */
export const SKIPPED_TYPE = 'gouvernail.skipped';

/**
 * A read-only view of the embedded log's file for a projection on another thread (the lineage
 * projection's). Entries carry their event only, not their bytes. Only entries of `types` are parsed;
 * the others come as a stand-in of type {@link SKIPPED_TYPE} at their position, so the projection's
 * checkpoint still reaches the head. It sees what the appender commits; with no in-process signal
 * of appends, its subscriptions look for new entries every `idleMs` while idle. Each read is answered
 * from a macrotask, so messages to the thread are handled between batches of a long catch-up.
 */
export const openSqliteLogReader = (
  file: string,
  { idleMs = 100, types }: { idleMs?: number; types: readonly string[] },
): LogReader => {
  const db = openSqlite(file, { readonly: true });
  const wanted = new Set(types);
  const entries = createBundleReader(db);
  const toEntry = (e: BundledEntry): StoredEntry => {
    const type = entryTypeOf(e.entry);
    const skip = type !== undefined && !wanted.has(type);
    return {
      position: e.position,
      entry: noBytes,
      event: skip
        ? ({ type: SKIPPED_TYPE } as unknown as RecordedEnvelope)
        : (JSON.parse(e.entry.toString('utf8')) as RecordedEnvelope),
    };
  };
  const read = (from: number, limit: number): Promise<StoredEntry[]> =>
    new Promise((resolve) => {
      setImmediate(resolve);
    }).then(() => entries.read(from, limit).map(toEntry));
  return {
    read,
    size: () => Promise.resolve(entries.size()),
    subscribe: (from, onBatch, onError) =>
      followLog({ read: (at) => read(at, 1000), from, onBatch, onError, idleMs }),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
};
