import type { LineageDirection, NamedRef } from './ports.js';

/** What every lineage store shares about walks: argument checks, directions, merging, ordering. */

export const maxDepth = 1000;

export const ways = (d: LineageDirection): ('UPSTREAM' | 'DOWNSTREAM')[] =>
  d === 'BOTH' ? ['UPSTREAM', 'DOWNSTREAM'] : [d];

export const checkDepth = (depth: number): void => {
  if (!Number.isInteger(depth) || depth < 0 || depth > maxDepth)
    throw new RangeError(`depth must be an integer from 0 to ${maxDepth}`);
};

/** The instant as UTC ISO text, or null without one; RangeError when it does not parse. */
export const checkAsOf = (asOf: string | undefined): string | null => {
  if (asOf === undefined) return null;
  const ms = Date.parse(asOf);
  if (Number.isNaN(ms)) throw new RangeError('asOf is not an RFC 3339 timestamp');
  return new Date(ms).toISOString();
};

/** A walk in one store's ids: node id → hops from the start, and each edge once. */
export interface WalkOf<Id> {
  readonly datasets: Map<Id, number>;
  readonly jobs: Map<Id, number>;
  readonly edges: { readonly input: boolean; readonly datasetId: Id; readonly jobId: Id }[];
}

/** The union of an upstream and a downstream walk (BOTH): nodes at their shortest distance, edges once. */
export const mergeWalks = <Id, W extends WalkOf<Id>>(a: W, b: W): W => {
  const key = (e: W['edges'][number]): string =>
    `${e.input ? 'i' : 'o'}${String(e.datasetId)}:${String(e.jobId)}`;
  const known = new Set(a.edges.map(key));
  return {
    ...a,
    datasets: new Map([...b.datasets, ...a.datasets]),
    jobs: new Map([...b.jobs, ...a.jobs]),
    edges: [...a.edges, ...b.edges.filter((e) => !known.has(key(e)))],
  };
};

export const byName = (a: NamedRef, b: NamedRef): number =>
  a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
