import type { Database, Statement } from 'better-sqlite3';
import {
  addLinks,
  addTag,
  emptyTags as emptyTagSet,
  mergeTags,
  presentTags,
  spreadTags,
  tagsReaching,
  type TagSet as SharedTagSet,
} from '../tag-set.js';
import type { DatasetRef, PiiTag, PiiTagSource } from '../ports.js';
import { datasetLevel } from './schema.js';
import { columnKey, type ColumnKey, type createTraversal, type Mates } from './traverse.js';

interface TagRow {
  readonly dataset_id: number;
  readonly field: string;
  readonly source: PiiTagSource;
  readonly tag: string;
}

interface Origin {
  readonly datasetId: number;
  readonly field: string;
  readonly source: PiiTagSource;
}

export type TagSet = SharedTagSet<Origin>;
export const emptyTags = (): TagSet => emptyTagSet<Origin>();
export { mergeTags, spreadTags };

const unbounded = Number.MAX_SAFE_INTEGER;

/** PII propagation at query time, over the current tags and the edges valid at `asOf`. */
export const createPii = (
  db: Database,
  traversal: ReturnType<typeof createTraversal>,
  mates: Mates,
) => {
  const tagsAt: Statement<[string], TagRow> =
    db.prepare(`SELECT t.dataset_id, t.field, t.source, t.tag FROM json_each(?) k
    JOIN lineage_tags t ON t.dataset_id = k.value ->> '$[0]' AND t.field = k.value ->> '$[1]'`);
  const names = db.prepare<[string], { id: number; namespace: string; name: string }>(
    'SELECT id, namespace, name FROM lineage_datasets WHERE id IN (SELECT value FROM json_each(?))',
  );

  /**
   * The tags put on each column itself, and on the same column of the datasets of its symlink group
   * known only from a classification (walks do not reach those).
   */
  const directTags = (keys: readonly ColumnKey[]): Map<string, TagSet> => {
    const byKey = new Map<string, TagSet>();
    if (keys.length === 0) return byKey;
    const groups = mates([...new Set(keys.map((k) => k.datasetId))]);
    const asked = new Map<string, { key: ColumnKey; for: string[] }>();
    const ask = (key: ColumnKey, forKey: string): void => {
      const k = columnKey(key);
      const entry = asked.get(k);
      if (!entry) asked.set(k, { key, for: [forKey] });
      else if (!entry.for.includes(forKey)) entry.for.push(forKey);
    };
    for (const k of keys) {
      const own = columnKey(k);
      ask(k, own);
      for (const datasetId of groups.get(k.datasetId) ?? [])
        ask({ datasetId, field: k.field }, own);
    }
    const pairs = [...asked.values()].map((a) => [a.key.datasetId, a.key.field]);
    for (const r of tagsAt.iterate(JSON.stringify(pairs))) {
      const at = columnKey({ datasetId: r.dataset_id, field: r.field });
      const origin = { datasetId: r.dataset_id, field: r.field, source: r.source };
      for (const key of asked.get(at)?.for ?? [])
        addTag(byKey, key, r.tag, `${at}\u0000${r.source}`, origin);
    }
    return byKey;
  };

  /** Tags reaching each of a dataset's columns: their own and those of every column they derive from. */
  const columnTags = (
    datasetId: number,
    fields: readonly string[],
    asOf: string | null,
  ): Map<string, TagSet> => {
    const starts = fields.map((field) => ({ datasetId, field }));
    const upstream = traversal.columnWalk(starts, 'UPSTREAM', unbounded, asOf, true);
    const sources = new Map<string, string[]>();
    for (const e of upstream.edges.values()) {
      const to = columnKey({ datasetId: e.to_dataset, field: e.to_field });
      const from = columnKey({ datasetId: e.from_dataset, field: e.from_field });
      const list = sources.get(to);
      if (list) list.push(from);
      else sources.set(to, [from]);
    }
    addLinks(sources, upstream.sameAs);
    const direct = directTags([...upstream.columns.values()].map((c) => c.column));
    const result = new Map<string, TagSet>();
    for (const field of fields)
      result.set(field, tagsReaching(columnKey({ datasetId, field }), sources, direct));
    return result;
  };

  /** Dataset-level tags reaching a dataset: its own and those of every upstream dataset. */
  const datasetTags = (datasetId: number, asOf: string | null): TagSet => {
    const upstream = traversal.walk(
      { kind: 'dataset', id: datasetId },
      'UPSTREAM',
      unbounded,
      asOf,
    );
    const direct = directTags(
      [...upstream.datasets.keys()].map((id) => ({ datasetId: id, field: datasetLevel })),
    );
    const tags = emptyTags();
    for (const set of direct.values()) mergeTags(tags, set);
    return tags;
  };

  /** Turns tag sets into sorted `PiiTag` lists, resolving origin dataset names in one query. */
  const present = (sets: readonly TagSet[]): ((set: TagSet) => PiiTag[]) => {
    const ids = new Set<number>();
    for (const set of sets)
      for (const origins of set.values()) for (const o of origins.values()) ids.add(o.datasetId);
    const refs = new Map<number, DatasetRef>();
    for (const r of names.iterate(JSON.stringify([...ids])))
      refs.set(r.id, { namespace: r.namespace, name: r.name });
    return (set) =>
      presentTags(set, (o) => ({
        dataset: refs.get(o.datasetId)!,
        field: o.field === datasetLevel ? null : o.field,
        source: o.source,
      }));
  };

  return { columnTags, datasetTags, present };
};
