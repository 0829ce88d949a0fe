import type { RecordedEnvelope } from '../../../domain/envelope.js';
import type { EventLog, StoredEntry } from '../event-log.js';
import { followLog } from '../follow.js';
import { openSqlite } from './open.js';

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
  const wanted = types.map((t) => `'${t.replaceAll("'", "''")}'`).join(', ');
  const readFrom = db.prepare<[number, number], { position: number; text: string | null }>(
    `SELECT position, CASE WHEN type IN (${wanted}) THEN CAST(entry AS TEXT) END AS text
     FROM events WHERE position >= ? ORDER BY position LIMIT ?`,
  );
  const head = db.prepare<[], { n: number }>(
    'SELECT COALESCE(MAX(position) + 1, 0) AS n FROM events',
  );
  const toEntry = (r: { position: number; text: string | null }): StoredEntry => ({
    position: r.position,
    entry: noBytes,
    event:
      r.text === null
        ? ({ type: SKIPPED_TYPE } as unknown as RecordedEnvelope)
        : (JSON.parse(r.text) as RecordedEnvelope),
  });
  const read = (from: number, limit: number): Promise<StoredEntry[]> =>
    new Promise((resolve) => {
      setImmediate(resolve);
    }).then(() => readFrom.all(from, limit).map(toEntry));
  return {
    read,
    size: () => Promise.resolve(head.get()!.n),
    subscribe: (from, onBatch, onError) =>
      followLog({ read: (at) => read(at, 1000), from, onBatch, onError, idleMs }),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
};
