import type { Database, Statement } from 'better-sqlite3';
import type { LineageNodeKind } from '../ports.js';

type Way = 'UPSTREAM' | 'DOWNSTREAM';

/** One dataset–job edge: `input` when the job reads the dataset, else the job writes it. */
export interface EdgeRow {
  readonly input: boolean;
  readonly datasetId: number;
  readonly jobId: number;
  readonly validFrom: string;
  readonly lastSeen: string;
}

/** src, dst, valid_from, last_seen */
type Hop = [number, number, string, string];

export interface Walk {
  /** Node id → edge hops from the start. */
  readonly datasets: Map<number, number>;
  readonly jobs: Map<number, number>;
  /** Each edge once per walk. */
  readonly edges: EdgeRow[];
}

export interface ColumnKey {
  readonly datasetId: number;
  readonly field: string;
}

export interface ColumnEdgeRow {
  readonly from_dataset: number;
  readonly from_field: string;
  readonly to_dataset: number;
  readonly to_field: string;
  readonly job_id: number;
  readonly transformations: string;
  readonly carries_pii: number;
  readonly valid_from: string;
  readonly last_seen: string;
}

export interface ColumnWalk {
  readonly columns: Map<string, { readonly column: ColumnKey; readonly distance: number }>;
  readonly edges: Map<string, ColumnEdgeRow>;
  /** Column key → the keys of the same column under the other datasets of its symlink group. */
  readonly sameAs: Map<string, string[]>;
}

export const columnKey = (c: ColumnKey): string => `${c.datasetId}\u0000${c.field}`;

const asOfFilter = 'AND (@asOf IS NULL OR valid_from <= @asOf)';

/** Dataset id → the other datasets of its symlink group (see `createSymlinkReader`). */
export type Mates = (datasetIds: readonly number[], seenOnly?: boolean) => Map<number, number[]>;

/**
 * Iterative breadth-first walks over the lineage tables, one batched query per frontier
 * (`IN (SELECT value FROM json_each(?))`), visiting each node once so cycles end the walk. A dataset
 * reached brings the other datasets of its symlink group at the same distance, except those known
 * only from a classification.
 */
export const createTraversal = (db: Database, mates: Mates) => {
  const hop = (sql: string): Statement<{ ids: string; asOf: string | null }, Hop> =>
    db.prepare<{ ids: string; asOf: string | null }, Hop>(`${sql} ${asOfFilter}`).raw();
  const hops: Record<
    Way,
    Record<
      LineageNodeKind,
      { stmt: Statement<{ ids: string; asOf: string | null }, Hop>; input: boolean }
    >
  > = {
    DOWNSTREAM: {
      dataset: {
        stmt: hop(
          'SELECT dataset_id AS src, job_id AS dst, valid_from, last_seen FROM lineage_inputs WHERE dataset_id IN (SELECT value FROM json_each(@ids))',
        ),
        input: true,
      },
      job: {
        stmt: hop(
          'SELECT job_id AS src, dataset_id AS dst, valid_from, last_seen FROM lineage_outputs WHERE job_id IN (SELECT value FROM json_each(@ids))',
        ),
        input: false,
      },
    },
    UPSTREAM: {
      dataset: {
        stmt: hop(
          'SELECT dataset_id AS src, job_id AS dst, valid_from, last_seen FROM lineage_outputs WHERE dataset_id IN (SELECT value FROM json_each(@ids))',
        ),
        input: false,
      },
      job: {
        stmt: hop(
          'SELECT job_id AS src, dataset_id AS dst, valid_from, last_seen FROM lineage_inputs WHERE job_id IN (SELECT value FROM json_each(@ids))',
        ),
        input: true,
      },
    },
  };
  const columnHops: Record<Way, Statement<{ keys: string; asOf: string | null }, ColumnEdgeRow>> = {
    DOWNSTREAM: db.prepare(`SELECT e.* FROM json_each(@keys) k JOIN lineage_column_edges e
      ON e.from_dataset = k.value ->> '$[0]' AND e.from_field = k.value ->> '$[1]' ${asOfFilter}`),
    UPSTREAM: db.prepare(`SELECT e.* FROM json_each(@keys) k JOIN lineage_column_edges e
      ON e.to_dataset = k.value ->> '$[0]' AND e.to_field = k.value ->> '$[1]' ${asOfFilter}`),
  };

  /** Walks at most `maxHops` edges from a node, one way. */
  const walk = (
    start: { kind: LineageNodeKind; id: number },
    way: Way,
    maxHops: number,
    asOf: string | null,
  ): Walk => {
    const seen = { dataset: new Map<number, number>(), job: new Map<number, number>() };
    const edges: EdgeRow[] = [];
    const withMates = (ids: number[], distance: number): number[] => {
      for (const group of mates(ids, true).values())
        for (const m of group)
          if (!seen.dataset.has(m)) {
            seen.dataset.set(m, distance);
            ids.push(m);
          }
      return ids;
    };
    seen[start.kind].set(start.id, 0);
    let kind = start.kind;
    let frontier = start.kind === 'dataset' ? withMates([start.id], 0) : [start.id];
    for (let distance = 1; distance <= maxHops && frontier.length > 0; distance++) {
      const { stmt, input } = hops[way][kind];
      const nextKind: LineageNodeKind = kind === 'dataset' ? 'job' : 'dataset';
      const next: number[] = [];
      const reached = seen[nextKind];
      const fromDataset = kind === 'dataset';
      for (const [src, dst, validFrom, lastSeen] of stmt.all({
        ids: JSON.stringify(frontier),
        asOf,
      })) {
        edges.push({
          input,
          datasetId: fromDataset ? src : dst,
          jobId: fromDataset ? dst : src,
          validFrom,
          lastSeen,
        });
        if (!reached.has(dst)) {
          reached.set(dst, distance);
          next.push(dst);
        }
      }
      kind = nextKind;
      frontier = kind === 'dataset' ? withMates(next, distance) : next;
    }
    return { datasets: seen.dataset, jobs: seen.job, edges };
  };

  /** Walks column edges from `starts`; `piiOnly` follows only edges that carry PII tags. */
  const columnWalk = (
    starts: readonly ColumnKey[],
    way: Way,
    maxHops: number,
    asOf: string | null,
    piiOnly = false,
  ): ColumnWalk => {
    const columns = new Map<string, { column: ColumnKey; distance: number }>();
    const edges = new Map<string, ColumnEdgeRow>();
    const sameAs = new Map<string, string[]>();
    const withMates = (cols: ColumnKey[], distance: number): ColumnKey[] => {
      const groups = mates([...new Set(cols.map((c) => c.datasetId))], true);
      if (groups.size === 0) return cols;
      for (const c of [...cols])
        for (const datasetId of groups.get(c.datasetId) ?? []) {
          const column = { datasetId, field: c.field };
          const key = columnKey(column);
          const list = sameAs.get(columnKey(c));
          if (list) list.push(key);
          else sameAs.set(columnKey(c), [key]);
          if (!columns.has(key)) {
            columns.set(key, { column, distance });
            cols.push(column);
          }
        }
      return cols;
    };
    for (const s of starts) columns.set(columnKey(s), { column: s, distance: 0 });
    let frontier = withMates([...starts], 0);
    for (let distance = 1; distance <= maxHops && frontier.length > 0; distance++) {
      const next: ColumnKey[] = [];
      const keys = JSON.stringify(frontier.map((c) => [c.datasetId, c.field]));
      for (const e of columnHops[way].iterate({ keys, asOf })) {
        if (piiOnly && e.carries_pii === 0) continue;
        edges.set(
          `${e.from_dataset}\u0000${e.from_field}\u0001${e.to_dataset}\u0000${e.to_field}`,
          e,
        );
        const column =
          way === 'DOWNSTREAM'
            ? { datasetId: e.to_dataset, field: e.to_field }
            : { datasetId: e.from_dataset, field: e.from_field };
        const key = columnKey(column);
        if (!columns.has(key)) {
          columns.set(key, { column, distance });
          next.push(column);
        }
      }
      frontier = withMates(next, distance);
    }
    return { columns, edges, sameAs };
  };

  return { walk, columnWalk };
};
