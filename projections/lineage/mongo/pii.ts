import type { PiiTag, PiiTagSource } from '../ports.js';
import {
  addLinks,
  addTag,
  emptyTags as emptyTagSet,
  mergeTags,
  spreadTags,
  presentTags,
  tagsReaching,
  type TagSet as SharedTagSet,
} from '../tag-set.js';
import {
  columnKey,
  datasetLevel,
  refOfKey,
  type LineageCollections,
  type TagDoc,
} from './documents.js';
import type { createMongoTraversal, MongoMates } from './traverse.js';

interface Origin {
  readonly dataset: string;
  readonly field: string;
  readonly source: PiiTagSource;
}

export type TagSet = SharedTagSet<Origin>;
export const emptyTags = (): TagSet => emptyTagSet<Origin>();
export { mergeTags, spreadTags };

const unbounded = Number.MAX_SAFE_INTEGER;

/** PII propagation at query time, over the current tags and the edges valid at `asOf` (as in SQLite). */
export const createMongoPii = (
  c: LineageCollections,
  traversal: ReturnType<typeof createMongoTraversal>,
  mates: MongoMates,
) => {
  /**
   * The tags put on each column itself, and on the same column of the datasets of its symlink group
   * known only from a classification (walks do not reach those).
   */
  const directTags = async (keys: readonly string[]): Promise<Map<string, TagSet>> => {
    const byKey = new Map<string, TagSet>();
    const columns = keys.map((key) => {
      const [dataset, field] = JSON.parse(key) as [string, string];
      return { key, dataset, field };
    });
    const groups = await mates([...new Set(columns.map((col) => col.dataset))]);
    const asked = new Map<string, string[]>();
    const ask = (key: string, forKey: string): void => {
      const list = asked.get(key);
      if (!list) asked.set(key, [forKey]);
      else if (!list.includes(forKey)) list.push(forKey);
    };
    for (const col of columns) {
      ask(col.key, col.key);
      for (const m of groups.get(col.dataset) ?? []) ask(columnKey(m, col.field), col.key);
    }
    for (const r of await traversal.findAll<TagDoc>(c.tags, 'key', [...asked.keys()], {}))
      for (const key of asked.get(r.key) ?? [])
        addTag(byKey, key, r.tag, `${r.key}\u0000${r.source}`, {
          dataset: r.dataset,
          field: r.field,
          source: r.source,
        });
    return byKey;
  };

  /** Tags reaching each of a dataset's columns: their own and those of every column they derive from. */
  const columnTags = async (
    dataset: string,
    fields: readonly string[],
    asOf: string | null,
  ): Promise<Map<string, TagSet>> => {
    const starts = fields.map((field) => ({ dataset, field, key: columnKey(dataset, field) }));
    const upstream = await traversal.columnWalk(starts, 'UPSTREAM', unbounded, asOf, true);
    const sources = new Map<string, string[]>();
    for (const e of upstream.edges.values()) {
      const list = sources.get(e.toKey);
      if (list) list.push(e.fromKey);
      else sources.set(e.toKey, [e.fromKey]);
    }
    addLinks(sources, upstream.sameAs);
    const direct = await directTags([...upstream.columns.keys()]);
    const result = new Map<string, TagSet>();
    for (const field of fields)
      result.set(field, tagsReaching(columnKey(dataset, field), sources, direct));
    return result;
  };

  /** Dataset-level tags reaching a dataset: its own and those of every upstream dataset. */
  const datasetTags = async (dataset: string, asOf: string | null): Promise<TagSet> => {
    const upstream = await traversal.walk(
      { kind: 'dataset', id: dataset },
      'UPSTREAM',
      unbounded,
      asOf,
    );
    const direct = await directTags(
      [...upstream.datasets.keys()].map((id) => columnKey(id, datasetLevel)),
    );
    const tags = emptyTags();
    for (const set of direct.values()) mergeTags(tags, set);
    return tags;
  };

  /** Turns a tag set into a sorted `PiiTag` list; origin names come from the keys themselves. */
  const present = (set: TagSet): PiiTag[] =>
    presentTags(set, (o) => ({
      dataset: refOfKey(o.dataset),
      field: o.field === datasetLevel ? null : o.field,
      source: o.source,
    }));

  return { columnTags, datasetTags, present };
};
