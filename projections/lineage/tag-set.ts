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

/**
 * Spreads each key's tags along `next` (key → the keys derived from it), transitively, adding into
 * `tags` in place. A worklist of the origins each key newly got: every (key, tag, origin) is added
 * once and passed on once, so the work is edges × origins, whatever the cycles.
 */
export const spreadTags = <O>(
  tags: Map<string, TagSet<O>>,
  next: ReadonlyMap<string, readonly string[]>,
): void => {
  type Delta = [tag: string, originKey: string, origin: O][];
  const pending = new Map<string, Delta>();
  for (const [key, set] of tags) {
    const delta: Delta = [];
    for (const [tag, origins] of set) for (const [k, o] of origins) delta.push([tag, k, o]);
    pending.set(key, delta);
  }
  const queue = [...pending.keys()];
  for (let i = 0, key = queue[0]; key !== undefined; key = queue[++i]) {
    const delta = pending.get(key)!;
    pending.delete(key);
    for (const to of next.get(key) ?? []) {
      let target = tags.get(to);
      if (!target) tags.set(to, (target = emptyTags<O>()));
      let added = pending.get(to);
      for (const d of delta) {
        let origins = target.get(d[0]);
        if (!origins) target.set(d[0], (origins = new Map<string, O>()));
        if (origins.has(d[1])) continue;
        origins.set(d[1], d[2]);
        if (!added) {
          pending.set(to, (added = []));
          queue.push(to);
        }
        added.push(d);
      }
    }
  }
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

/**
 * Adds `links` (a column key → the keys of the same column under the dataset's other names, see
 * the walks' `sameAs`) to an adjacency map of `spreadTags` or `tagsReaching`: tags cross them both ways.
 */
export const addLinks = (
  adjacency: Map<string, string[]>,
  links: ReadonlyMap<string, readonly string[]>,
): void => {
  for (const [key, others] of links) {
    const list = adjacency.get(key);
    if (list) list.push(...others);
    else adjacency.set(key, [...others]);
  }
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
