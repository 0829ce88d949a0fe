import type { AuditEvent } from '../../domain/catalogue.js';
import { streamOf } from '../../domain/catalogue.js';
import type { RecordedEnvelope } from '../../domain/envelope.js';
import { commitmentOf } from '../crypto/seal.js';
import { unpackSealed, type SealedItem } from '../log/sqlite/bundles.js';
import type { Db } from '../log/sqlite/open.js';
import type { VerifyFinding } from './log-checker.js';

/**
 * Checks the embedded log's indexes against its entries, fed in order: `event_ids` (an id that
 * points elsewhere would serve another event's proof, or let a resent event be stored twice),
 * `stream_runs` (every position in exactly one run, of its own stream) and `sealed_bundles` (every
 * stored ciphertext is one an entry seals, with the commitment the entry holds; erased ones may be
 * gone). Entries are the reference: they are what the tree commits to.
 */
export const createIndexChecker = (db: Db, total: number) => {
  const positionOf = db.prepare<[string], { position: number }>(
    'SELECT position FROM event_ids WHERE id = ?',
  );
  const idCount = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM event_ids');
  const streamNames: string[] = [];
  const streamIndex = new Map<string, number>();
  const streamAt = new Int32Array(total).fill(-1);
  let streamProblem: (VerifyFinding & { position: number }) | undefined;
  for (const run of db
    .prepare<[], { stream: string; positions: string }>('SELECT stream, positions FROM stream_runs')
    .iterate()) {
    let s = streamIndex.get(run.stream);
    if (s === undefined) {
      s = streamNames.push(run.stream) - 1;
      streamIndex.set(run.stream, s);
    }
    for (const p of JSON.parse(run.positions) as number[]) {
      if (!Number.isSafeInteger(p) || p < 0 || p >= total || streamAt[p] !== -1) {
        // The lowest such position is named: the first place the index and the log part ways.
        const at = Number.isSafeInteger(p) && p >= 0 ? p : 0;
        if (!streamProblem || at < streamProblem.position)
          streamProblem = {
            kind: 'index-mismatch',
            position: at,
            message: `the stream index lists position ${String(p)} ${p >= 0 && p < total ? 'twice' : `beyond the log's ${total} entries`}`,
          };
        continue;
      }
      streamAt[p] = s;
    }
  }
  // Read a row at a time (the connection runs other statements between), in log order.
  const sealedRowAfter = db.prepare<[number], { first: number; items: string; blobs: Buffer }>(
    'SELECT first, items, blobs FROM sealed_bundles WHERE first > ? ORDER BY first LIMIT 1',
  );
  let lastRow = -1;
  let items: SealedItem[] = [];
  let next = 0;
  /** The next stored ciphertext in log order, or undefined after the last. */
  const peek = (): SealedItem | undefined => {
    while (next >= items.length) {
      const row = sealedRowAfter.get(lastRow);
      if (!row) return undefined;
      lastRow = row.first;
      items = unpackSealed(row.items, row.blobs);
      next = 0;
    }
    return items[next];
  };

  const mismatch = (position: number, message: string): VerifyFinding => ({
    kind: 'index-mismatch',
    position,
    message,
  });

  return {
    check: (position: number, entry: Uint8Array): VerifyFinding | undefined => {
      if (streamProblem) return streamProblem;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(entry).toString('utf8'));
      } catch {
        return mismatch(position, `entry at position ${position} is not JSON`);
      }
      if (typeof parsed !== 'object' || parsed === null)
        return mismatch(position, `entry at position ${position} is not an event`);
      const event = parsed as RecordedEnvelope;
      if (typeof event.id !== 'string')
        return mismatch(position, `entry at position ${position} has no id`);
      const indexed = positionOf.get(event.id)?.position;
      if (indexed !== position)
        return mismatch(
          position,
          `the id index sends ${event.id} (position ${position}) to ${indexed === undefined ? 'nothing' : `position ${indexed}`}`,
        );
      let stream: string | undefined;
      try {
        stream = streamOf(event as AuditEvent);
      } catch {
        stream = undefined;
      }
      const listed = streamAt[position]!;
      if (listed === -1 || streamNames[listed] !== stream)
        return mismatch(
          position,
          `the stream index ${listed === -1 ? 'does not list' : `lists under ${streamNames[listed]!}`} position ${position}${stream === undefined ? '' : ` (stream ${stream})`}`,
        );
      for (let it = peek(); it !== undefined && it.position <= position; it = peek()) {
        next++;
        const ref = it.position === position ? event.sealed?.[it.subject] : undefined;
        if (!ref || !Object.hasOwn(event.sealed ?? {}, it.subject))
          return mismatch(
            it.position,
            `ciphertext is stored for position ${it.position} and subject ${it.subject}, which that entry does not seal`,
          );
        if (commitmentOf(it.blob) !== ref.commitment)
          return mismatch(
            position,
            `the ciphertext of position ${position} for ${it.subject} does not match the commitment its entry holds`,
          );
      }
      return undefined;
    },
    finish: (): VerifyFinding | undefined => {
      if (streamProblem) return streamProblem;
      const extra = peek();
      if (extra)
        return mismatch(
          extra.position,
          `ciphertext is stored for position ${extra.position}, beyond the log's ${total} entries`,
        );
      const ids = idCount.get()?.n ?? 0;
      if (ids !== total)
        return mismatch(total, `the id index holds ${ids} ids for ${total} entries`);
      return undefined;
    },
  };
};
