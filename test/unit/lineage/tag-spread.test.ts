import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import type { PiiTag } from '../../../projections/lineage/ports.js';
import { spreadTags } from '../../../projections/lineage/tag-set.js';
import type { TagSet } from '../../../projections/lineage/tag-set.js';
import { datasetClassified, lineageRunEvent } from '../../support/events.js';
import { columnEdgeEvent, storeWith } from './support.js';

const reach = (next: ReadonlyMap<string, readonly string[]>, from: string): Set<string> => {
  const seen = new Set([from]);
  const stack = [from];
  for (let k = stack.pop(); k !== undefined; k = stack.pop()) {
    for (const n of next.get(k) ?? []) {
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(n);
    }
  }
  return seen;
};

/** key → sorted `tag origin` pairs, leaving out keys with none. */
const flat = (tags: ReadonlyMap<string, TagSet<string>>): Map<string, string[]> =>
  new Map(
    [...tags]
      .map(([key, set]): [string, string[]] => [
        key,
        [...set].flatMap(([tag, origins]) => [...origins.keys()].map((o) => `${tag} ${o}`)).sort(),
      ])
      .filter(([, pairs]) => pairs.length > 0)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g');
const pairArb = fc.tuple(
  fc.constantFrom('pii', 'pii:email', 'pii:ip'),
  fc.constantFrom('o1', 'o2'),
);

describe('PII tag spreading', () => {
  it('gives every key the tags, with origins, of every key it is reachable from, through cycles', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keyArb, keyArb), { maxLength: 20 }),
        fc.array(fc.tuple(keyArb, fc.array(pairArb, { maxLength: 3 })), { maxLength: 5 }),
        (edges, starts) => {
          const next = new Map<string, string[]>();
          for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
          const initial = new Map<string, TagSet<string>>();
          for (const [key, pairs] of starts) {
            const set = initial.get(key) ?? new Map<string, Map<string, string>>();
            for (const [tag, origin] of pairs)
              set.set(tag, (set.get(tag) ?? new Map<string, string>()).set(origin, origin));
            initial.set(key, set);
          }
          const expected = new Map<string, Set<string>>();
          for (const [key, set] of initial)
            for (const k of reach(next, key))
              for (const [tag, origins] of set)
                for (const o of origins.keys())
                  expected.set(k, (expected.get(k) ?? new Set()).add(`${tag} ${o}`));

          const tags = new Map([...initial].map(([k, set]) => [k, new Map(set)]));
          spreadTags(tags, next);
          expect(flat(tags)).toEqual(
            new Map(
              [...expected]
                .map(([k, pairs]): [string, string[]] => [k, [...pairs].sort()])
                .sort(([a], [b]) => (a < b ? -1 : 1)),
            ),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

interface Col {
  readonly d: number;
  readonly f: number;
}
const colArb = fc.record({ d: fc.nat(3), f: fc.nat(2) });
const name = (c: Col): string => `d${c.d}.f${c.f}`;

const tagged = (tags: readonly PiiTag[]): string[] =>
  tags.flatMap((t) => t.origins.map((o) => `${t.tag} ${o.dataset.name}.${o.field ?? ''}`));

describe('SQLite lineage impact', () => {
  it('gives each downstream column exactly the column tags, with origins, flowing through the source', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ from: colArb, to: colArb, indirect: fc.boolean() }), {
          selector: (e) => `${name(e.from)}>${name(e.to)}`,
          maxLength: 14,
        }),
        fc.uniqueArray(
          fc.record({
            col: colArb,
            tags: fc.uniqueArray(fc.constantFrom('pii:email', 'pii:ip'), { minLength: 1 }),
          }),
          { selector: (t) => name(t.col), maxLength: 6 },
        ),
        fc.nat(3),
        async (edges, classified, source) => {
          const events: AuditEvent[] = [
            ...edges.map((e, i) =>
              lineageRunEvent(
                columnEdgeEvent(i, e.from, e.to, e.indirect ? 'INDIRECT' : undefined),
              ),
            ),
            ...classified.map((t) =>
              datasetClassified(
                { namespace: 'warehouse', name: `d${t.col.d}` },
                [...t.tags],
                `f${t.col.f}`,
              ),
            ),
          ];
          const store = await storeWith(events);
          const impact = await store.impact({ namespace: 'warehouse', name: `d${source}` });

          const any = new Map<string, string[]>();
          const carries = new Map<string, string[]>();
          for (const e of edges) {
            any.set(name(e.from), [...(any.get(name(e.from)) ?? []), name(e.to)]);
            if (!e.indirect)
              carries.set(name(e.from), [...(carries.get(name(e.from)) ?? []), name(e.to)]);
          }
          const sources = [
            ...new Set(edges.filter((e) => e.from.d === source).map((e) => name(e.from))),
          ];
          const own = `d${source}.`;
          const expected = new Map<string, Set<string>>();
          for (const s of sources)
            for (const c of reach(any, s)) if (!c.startsWith(own)) expected.set(c, new Set());
          for (const t of classified) {
            const reached = reach(carries, name(t.col));
            for (const s of sources.filter((x) => reached.has(x)))
              for (const c of reach(carries, s))
                for (const tag of t.tags) expected.get(c)?.add(`${tag} ${name(t.col)}`);
          }
          expect(
            new Map(
              impact.columns.map((c) => [
                `${c.column.dataset.name}.${c.column.field}`,
                tagged(c.tags),
              ]),
            ),
          ).toEqual(new Map([...expected].map(([c, pairs]) => [c, [...pairs].sort()])));
        },
      ),
      { numRuns: 200 },
    );
  });
});
