import type { PiiTag, PiiTagOrigin } from './ports.js';

/** PII tags with where each came from: tag → origin key → origin. Shared by every lineage store. */
export type TagSet<O> = Map<string, Map<string, O>>;

export const emptyTags = <O>(): TagSet<O> => new Map<string, Map<string, O>>();

/** Adds the origins of `from` missing in `into`; true when anything was added. */
export const mergeTags = <O>(into: TagSet<O>, from: TagSet<O>): boolean => {
  let changed = false;
  for (const [tag, origins] of from) {
    let target = into.get(tag);
    if (!target) into.set(tag, (target = new Map<string, O>()));
    for (const [k, o] of origins) {
      if (!target.has(k)) {
        target.set(k, o);
        changed = true;
      }
    }
  }
  return changed;
};

/** Records that `key` carries `tag`, from `origin` (identified by `originKey`). */
export const addTag = <O>(
  byKey: Map<string, TagSet<O>>,
  key: string,
  tag: string,
  originKey: string,
  origin: O,
): void => {
  let set = byKey.get(key);
  if (!set) byKey.set(key, (set = emptyTags<O>()));
  let origins = set.get(tag);
  if (!origins) set.set(tag, (origins = new Map<string, O>()));
  origins.set(originKey, origin);
};

/**
 * The tags reaching `start`: its own (`direct`) and those of every key it derives from, following
 * `sources` (key → the keys it was derived from) to the end; each key is visited once.
 */
export const tagsReaching = <O>(
  start: string,
  sources: ReadonlyMap<string, readonly string[]>,
  direct: ReadonlyMap<string, TagSet<O>>,
): TagSet<O> => {
  const seen = new Set([start]);
  const stack = [start];
  const tags = emptyTags<O>();
  for (let key = stack.pop(); key !== undefined; key = stack.pop()) {
    const own = direct.get(key);
    if (own) mergeTags(tags, own);
    for (const s of sources.get(key) ?? []) {
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(s);
    }
  }
  return tags;
};

/** A tag set as the API shows it: tags sorted, each tag's origins sorted by dataset, field, source. */
export const presentTags = <O>(set: TagSet<O>, origin: (o: O) => PiiTagOrigin): PiiTag[] => {
  const order = (a: PiiTagOrigin, b: PiiTagOrigin): number =>
    a.dataset.namespace.localeCompare(b.dataset.namespace) ||
    a.dataset.name.localeCompare(b.dataset.name) ||
    (a.field ?? '').localeCompare(b.field ?? '') ||
    a.source.localeCompare(b.source);
  return [...set.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([tag, origins]) => ({ tag, origins: [...origins.values()].map(origin).sort(order) }));
};
