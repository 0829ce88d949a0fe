import { isObject } from './openlineage-check.js';

/** A name of the `symlinks` dataset facet (SymlinksDatasetFacet 1-0-x), e.g. a catalog table. */
export interface SymlinkIdentifier {
  readonly namespace: string;
  readonly name: string;
  readonly type?: string;
}

/** The `symlinks` dataset facet: other names of the same dataset. */
export interface SymlinksDatasetFacet {
  readonly identifiers?: readonly SymlinkIdentifier[];
  readonly _deleted?: boolean;
}

const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * The other names a `symlinks` facet gives `self`, each once, in facet order; none when the facet
 * is `_deleted`. The facet is not type-checked when events arrive, so an identifier without a
 * non-empty string namespace and name is skipped rather than costing the event its lineage, and
 * `self` is never its own alias. Null when there is no facet.
 */
export const symlinksOf = (
  facet: unknown,
  self: { readonly namespace: string; readonly name: string },
): { readonly namespace: string; readonly name: string }[] | null => {
  if (!isObject(facet)) return null;
  if (facet._deleted === true) return [];
  const ids = Array.isArray(facet.identifiers) ? (facet.identifiers as unknown[]) : [];
  const seen = new Set([JSON.stringify([self.namespace, self.name])]);
  const out: { namespace: string; name: string }[] = [];
  for (const id of ids) {
    if (!isObject(id) || !isName(id.namespace) || !isName(id.name)) continue;
    const key = JSON.stringify([id.namespace, id.name]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ namespace: id.namespace, name: id.name });
  }
  return out;
};
