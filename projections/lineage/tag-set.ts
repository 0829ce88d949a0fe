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
