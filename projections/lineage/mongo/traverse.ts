import type { Filter } from 'mongodb';
import type { LineageNodeKind } from '../ports.js';
import {
  columnKey,
  type ColumnEdgeDoc,
  type EdgeDoc,
  type LineageCollections,
} from './documents.js';

type Way = 'UPSTREAM' | 'DOWNSTREAM';

/** One dataset–job edge: `input` when the job reads the dataset, else the job writes it. */
export interface EdgeRow {
  readonly input: boolean;
  readonly datasetId: string;
  readonly jobId: string;
  readonly validFrom: string;
  readonly lastSeen: string;
}

export interface Walk {
  /** Node key → edge hops from the start. */
  readonly datasets: Map<string, number>;
  readonly jobs: Map<string, number>;
  readonly edges: EdgeRow[];
}

export interface ColumnWalk {
  /** Column key → the column and its distance in column hops. */
  readonly columns: Map<
    string,
    { readonly dataset: string; readonly field: string; readonly distance: number }
  >;
  readonly edges: Map<string, ColumnEdgeDoc>;
  /** Column key → the keys of the same column under the other datasets of its symlink group. */
  readonly sameAs: Map<string, string[]>;
}

/** Dataset key → the other datasets of its symlink group (see `createMongoSymlinkReader`). */
export type MongoMates = (
  keys: readonly string[],
  seenOnly?: boolean,
) => Promise<Map<string, string[]>>;

/** Values per `$in` query: frontiers larger than this are fetched in several queries. */
const inBatch = 1000;

const chunks = <T>(xs: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += inBatch) out.push(xs.slice(i, i + inBatch));
  return out;
};

const asOfFilter = (asOf: string | null) => (asOf === null ? {} : { validFrom: { $lte: asOf } });

/** The documents whose `field` is one of `values` (and that match `extra`), in `$in` batches. */
export const findAll = async <T extends { _id: string }>(
  coll: { find(f: Filter<T>): { toArray(): Promise<T[]> } },
  field: string,
  values: readonly string[],
  extra: object,
): Promise<T[]> => {
  const parts = await Promise.all(
    chunks(values).map((part) =>
      coll.find({ [field]: { $in: part }, ...extra } as Filter<T>).toArray(),
    ),
  );
  return parts.flat();
};

/**
 * Breadth-first walks done in the application (FerretDB has no $graphLookup): one batched `$in`
 * query per frontier over indexed edge collections, each node visited once so cycles end the walk.
 * A dataset reached brings the other datasets of its symlink group at the same distance, except
 * those known only from a classification.
 */
export const createMongoTraversal = (c: LineageCollections, mates: MongoMates) => {
  const hops: Record<
    Way,
    Record<
      LineageNodeKind,
      { coll: LineageCollections['inputs']; by: 'dataset' | 'job'; input: boolean }
    >
  > = {
    DOWNSTREAM: {
      dataset: { coll: c.inputs, by: 'dataset', input: true },
      job: { coll: c.outputs, by: 'job', input: false },
    },
    UPSTREAM: {
      dataset: { coll: c.outputs, by: 'dataset', input: false },
      job: { coll: c.inputs, by: 'job', input: true },
    },
  };

  /** Walks at most `maxHops` edges from a node, one way. */
  const walk = async (
    start: { kind: LineageNodeKind; id: string },
    way: Way,
    maxHops: number,
    asOf: string | null,
  ): Promise<Walk> => {
    const seen = { dataset: new Map<string, number>(), job: new Map<string, number>() };
    const edges: EdgeRow[] = [];
    const withMates = async (ids: string[], distance: number): Promise<string[]> => {
      for (const group of (await mates(ids, true)).values())
        for (const m of group)
          if (!seen.dataset.has(m)) {
            seen.dataset.set(m, distance);
            ids.push(m);
          }
      return ids;
    };
    seen[start.kind].set(start.id, 0);
    let kind = start.kind;
    let frontier = start.kind === 'dataset' ? await withMates([start.id], 0) : [start.id];
    for (let distance = 1; distance <= maxHops && frontier.length > 0; distance++) {
      const { coll, by, input } = hops[way][kind];
      const nextKind: LineageNodeKind = kind === 'dataset' ? 'job' : 'dataset';
      const reached = seen[nextKind];
      const next: string[] = [];
      for (const e of await findAll<EdgeDoc>(coll, by, frontier, asOfFilter(asOf))) {
        edges.push({
          input,
          datasetId: e.dataset,
          jobId: e.job,
          validFrom: e.validFrom,
          lastSeen: e.lastSeen,
        });
        const dst = by === 'dataset' ? e.job : e.dataset;
        if (!reached.has(dst)) {
          reached.set(dst, distance);
          next.push(dst);
        }
      }
      kind = nextKind;
      frontier = kind === 'dataset' ? await withMates(next, distance) : next;
    }
    return { datasets: seen.dataset, jobs: seen.job, edges };
  };

  /** Walks column edges from `starts`; `piiOnly` follows only edges that carry PII tags. */
  const columnWalk = async (
    starts: readonly { dataset: string; field: string; key: string }[],
    way: Way,
    maxHops: number,
    asOf: string | null,
    piiOnly = false,
  ): Promise<ColumnWalk> => {
    const columns: ColumnWalk['columns'] = new Map();
    const edges = new Map<string, ColumnEdgeDoc>();
    const sameAs = new Map<string, string[]>();
    const withMates = async (keys: string[], distance: number): Promise<string[]> => {
      const cols = keys.map((k) => ({ key: k, ...columns.get(k)! }));
      const groups = await mates([...new Set(cols.map((col) => col.dataset))], true);
      if (groups.size === 0) return keys;
      for (const col of cols)
        for (const dataset of groups.get(col.dataset) ?? []) {
          const key = columnKey(dataset, col.field);
          sameAs.set(col.key, [...(sameAs.get(col.key) ?? []), key]);
          if (!columns.has(key)) {
            columns.set(key, { dataset, field: col.field, distance });
            keys.push(key);
          }
        }
      return keys;
    };
    for (const s of starts) columns.set(s.key, { dataset: s.dataset, field: s.field, distance: 0 });
    let frontier = await withMates(
      starts.map((s) => s.key),
      0,
    );
    for (let distance = 1; distance <= maxHops && frontier.length > 0; distance++) {
      const next: string[] = [];
      const by = way === 'DOWNSTREAM' ? 'fromKey' : 'toKey';
      for (const e of await findAll<ColumnEdgeDoc>(c.columnEdges, by, frontier, asOfFilter(asOf))) {
        if (piiOnly && !e.carriesPii) continue;
        edges.set(e._id, e);
        const [dataset, field, key] =
          way === 'DOWNSTREAM'
            ? [e.toDataset, e.toField, e.toKey]
            : [e.fromDataset, e.fromField, e.fromKey];
        if (!columns.has(key)) {
          columns.set(key, { dataset, field, distance });
          next.push(key);
        }
      }
      frontier = await withMates(next, distance);
    }
    return { columns, edges, sameAs };
  };

  return { walk, columnWalk, findAll };
};
