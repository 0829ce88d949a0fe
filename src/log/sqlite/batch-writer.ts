import type { Statement } from 'better-sqlite3';
import type { PreparedEvent } from '../event-log.js';
import type { Db } from './open.js';

/** Rows per multi-row statement: one prepared statement per size, at most this many. */
const CHUNK = 64;
/** Ids per duplicate lookup. */
const LOOKUP = 256;

/**
 * Writes a batch's rows with multi-row INSERT statements and looks its ids up in bulk: the per-call
 * cost of better-sqlite3 (bind, step, reset) is paid per chunk rather than per row.
 * Must be called inside the append transaction.
 */
export const createBatchWriter = (db: Db) => {
  const statements = new Map<string, Statement>();
  const statement = (kind: 'events' | 'blobs' | 'ids', rows: number): Statement => {
    const key = `${kind}:${rows}`;
    let s = statements.get(key);
    if (!s) {
      s = db.prepare(sql(kind, rows));
      statements.set(key, s);
    }
    return s;
  };

  const insertSummary = db.prepare<[number, number, string]>(
    'INSERT INTO sealed_batches (first, last, subjects) VALUES (?, ?, ?)',
  );

  const positionsOf = (ids: readonly string[]): Map<string, number> => {
    const found = new Map<string, number>();
    for (let at = 0; at < ids.length; at += LOOKUP) {
      const chunk = ids.slice(at, at + LOOKUP);
      const rows = statement('ids', chunk.length).all(...chunk) as {
        id: string;
        position: number;
      }[];
      for (const r of rows) found.set(r.id, r.position);
    }
    return found;
  };

  const insert = (first: number, batch: readonly PreparedEvent[]): void => {
    const blobs: unknown[] = [];
    for (let at = 0; at < batch.length; at += CHUNK) {
      const n = Math.min(CHUNK, batch.length - at);
      const params: unknown[] = new Array<unknown>(n * 6);
      for (let i = 0; i < n; i++) {
        const p = batch[at + i]!;
        const position = first + at + i;
        params[i * 6] = position;
        params[i * 6 + 1] = p.event.id;
        params[i * 6 + 2] = p.event.type;
        params[i * 6 + 3] = p.stream;
        params[i * 6 + 4] = p.event.recordedAt;
        params[i * 6 + 5] = p.entry;
        for (const s of p.sealedBlobs) blobs.push(position, s.subject, s.blob);
      }
      statement('events', n).run(...params);
    }
    for (let at = 0; at < blobs.length; at += CHUNK * 3) {
      const chunk = blobs.slice(at, at + CHUNK * 3);
      statement('blobs', chunk.length / 3).run(...chunk);
    }
    if (blobs.length > 0) {
      const subjects = new Set<string>();
      for (let i = 1; i < blobs.length; i += 3) subjects.add(blobs[i] as string);
      insertSummary.run(first, first + batch.length - 1, JSON.stringify([...subjects].sort()));
    }
  };

  return { positionsOf, insert };
};

const tuples = (rows: number, tuple: string): string =>
  Array.from({ length: rows }, () => tuple).join(',');

const sql = (kind: 'events' | 'blobs' | 'ids', rows: number): string => {
  switch (kind) {
    case 'events':
      return `INSERT INTO events (position, id, type, stream, recorded_at, entry) VALUES ${tuples(rows, '(?,?,?,?,?,?)')}`;
    case 'blobs':
      return `INSERT INTO sealed_blobs (position, subject, blob) VALUES ${tuples(rows, '(?,?,?)')}`;
    case 'ids':
      return `SELECT id, position FROM events WHERE id IN (${tuples(rows, '?')})`;
  }
};
