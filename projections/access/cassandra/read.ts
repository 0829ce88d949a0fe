import type { Client, types } from 'cassandra-driver';
import { encodeAccessCursor, type AccessCursor } from '../cursor.js';
import type { AccessRow, Page } from '../ports.js';
import type { ResolvedAccessQuery } from '../query.js';
import { accessTables } from './schema.js';
import {
  cutoffOf,
  dayMs,
  dayOf,
  dayStartMs,
  positionOf,
  timeMsOf,
  toAccessRow,
  type Policies,
} from './rows.js';

/** Every row of a (paged) query, fetching the next page only when the caller asks for more. */
export async function* rowsOf(
  client: Client,
  query: string,
  params: unknown[],
  fetchSize: number,
): AsyncGenerator<types.Row> {
  let pageState: string | undefined;
  do {
    const rs = await client.execute(query, params, { prepare: true, fetchSize, pageState });
    yield* rs.rows;
    pageState = rs.pageState ?? undefined;
  } while (pageState !== undefined);
}

export interface AccessReader {
  readonly client: Client;
  readonly keyspace: string;
  readonly maxDaysScanned: number;
}

const before = (a: AccessCursor, b: AccessCursor): boolean =>
  a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.position < b.position);

/**
 * A page of a resolved query: walks the key's days (from `access_days`) newest first, reading each
 * (key, day) partition in clustering order, until `first + 1` rows pass the filters, `from` is
 * passed, or `maxDaysScanned` days were read. In the last case the page may be short (even empty)
 * with `hasNextPage` true: the cursor then points at the start of the last day read.
 */
export const readAccessPage = async (
  { client, keyspace, maxDaysScanned }: AccessReader,
  q: ResolvedAccessQuery,
  policies: Policies,
  nowMs: number,
): Promise<Page<AccessRow>> => {
  const toBound = q.toMs === null ? null : { timeMs: q.toMs, position: 0 };
  const upper =
    toBound === null ? q.after : q.after === null || before(toBound, q.after) ? toBound : q.after;
  const dayHi = upper === null ? '9999-12-31' : dayOf(upper.timeMs);
  const dayLo = q.fromMs === null ? '0000-01-01' : dayOf(q.fromMs);
  const days = rowsOf(
    client,
    `SELECT day FROM ${keyspace}.access_days WHERE idx = ? AND key = ? AND day <= ? AND day >= ?`,
    [q.index, q.key, dayHi, dayLo],
    100,
  );
  const select = `SELECT * FROM ${keyspace}.${accessTables[q.index]}
    WHERE ${q.index} = ? AND day = ? AND (time, position) < (?, ?) AND (time) >= (?)`;
  const fetchSize = Math.min(Math.max(q.first + 1, 20), 1000);
  const found: types.Row[] = [];
  let scanned = 0;
  let lastDay: string | null = null;
  let truncated = false;
  walk: for await (const d of days) {
    const day = d.get('day') as string;
    if (scanned === maxDaysScanned) {
      truncated = true;
      break;
    }
    scanned += 1;
    lastDay = day;
    const start = dayStartMs(day);
    const hi = upper ?? { timeMs: start + dayMs, position: 0 };
    const lo = Math.max(q.fromMs ?? start, start);
    const params = [q.key, day, new Date(hi.timeMs), hi.position, new Date(lo)];
    for await (const r of rowsOf(client, select, params, fetchSize)) {
      const resource = r.get('resource') as string;
      if (q.action !== null && r.get('action') !== q.action) continue;
      if (q.decision !== null && r.get('decision') !== q.decision) continue;
      if (timeMsOf(r) < cutoffOf(policies, resource, nowMs)) continue;
      found.push(r);
      if (found.length > q.first) break walk;
    }
  }
  const page = found.slice(0, q.first);
  const last = page.at(-1);
  const endCursor = last
    ? encodeAccessCursor({ timeMs: timeMsOf(last), position: positionOf(last) })
    : truncated && lastDay !== null
      ? encodeAccessCursor({ timeMs: dayStartMs(lastDay), position: 0 })
      : null;
  return {
    rows: page.map(toAccessRow),
    endCursor,
    hasNextPage: found.length > q.first || truncated,
  };
};
