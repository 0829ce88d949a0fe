import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { erasureCases } from '../../../projections/erasure/evolve.js';
import { createSqliteErasureStore } from '../../../projections/erasure/sqlite/store.js';
import { lineageGraph } from '../../../projections/lineage/evolve.js';
import type { LineageStore, PiiTag } from '../../../projections/lineage/ports.js';
import { createSqliteLineageStore } from '../../../projections/lineage/sqlite/store.js';
import { datasetClassified, lineageRunEvent } from '../../support/events.js';
import { minute, producer, runEvent, schemaURL } from '../lineage/support.js';

const datasets = ['d0', 'd1'];
const fieldArb = fc.constantFrom(undefined, 'email', 'phone');
const entryArb = fc.record({
  key: fc.constantFrom('pii', 'PII', 'owner'),
  value: fc.constantFrom('email', 'true', 'false', 'phone'),
  field: fieldArb,
});

type Step =
  | {
      kind: 'output' | 'input' | 'dataset';
      d: number;
      entries: { key: string; value: string; field?: string | undefined }[];
    }
  | { kind: 'classified'; d: number; field: string | undefined; tags: string[] };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('output' as const, 'input' as const, 'dataset' as const),
    d: fc.nat(datasets.length - 1),
    entries: fc.array(entryArb, { maxLength: 3 }),
  }),
  fc.record({
    kind: fc.constant('classified' as const),
    d: fc.nat(datasets.length - 1),
    field: fieldArb,
    tags: fc.uniqueArray(fc.constantFrom('pii', 'pii.name'), { maxLength: 2 }),
  }),
);

const eventOf = (s: Step, i: number): AuditEvent => {
  const name = datasets[s.d]!;
  if (s.kind === 'classified')
    return datasetClassified({ namespace: 'warehouse', name }, s.tags, s.field);
  const tags = {
    tags: {
      _producer: producer,
      _schemaURL: schemaURL,
      tags: s.entries.map((e) => (e.field === undefined ? { key: e.key, value: e.value } : e)),
    },
  };
  if (s.kind === 'dataset')
    return lineageRunEvent({
      eventTime: minute(i),
      producer,
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent',
      dataset: { namespace: 'warehouse', name, facets: tags },
    });
  const side = s.kind === 'output' ? 'outputs' : 'inputs';
  const e = runEvent({ run: i, job: `j${i}`, at: minute(i), [side]: [name] });
  (e[side] as Record<string, unknown>[])[0]!.facets = tags;
  return lineageRunEvent(e);
};

/** What the lineage graph says was put directly on a dataset: every tag, and the tagged columns. */
const lineageView = async (store: LineageStore, name: string) => {
  const view = await store.dataset({ namespace: 'warehouse', name });
  const own = (tags: readonly PiiTag[], field: string | null) =>
    tags.filter((t) => t.origins.some((o) => o.dataset.name === name && o.field === field));
  const tags = new Set(own(view?.tags ?? [], null).map((t) => t.tag));
  const fields: string[] = [];
  for (const f of view?.fields ?? []) {
    const mine = own(f.tags, f.name);
    if (mine.length > 0) fields.push(f.name);
    for (const t of mine) tags.add(t.tag);
  }
  return { tags: [...tags].sort(), fields: fields.sort() };
};

describe('the lineage graph and the erasure cases', () => {
  it('agree on the PII tags put on each dataset, whatever the facets and classifications', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), async (steps) => {
        const lineage = createSqliteLineageStore({ db: new Database(':memory:') });
        const erasure = createSqliteErasureStore({ db: new Database(':memory:') });
        for (const [i, e] of steps.map(eventOf).entries()) {
          await lineage.apply(lineageGraph.changesFor(e, i), i);
          await erasure.apply(erasureCases.changesFor(e, i), i);
        }
        const classified = await erasure.classifiedDatasets();
        for (const name of datasets) {
          const found = classified.find((c) => c.dataset.name === name);
          expect(await lineageView(lineage, name)).toEqual({
            tags: found?.tags ?? [],
            fields: found?.fields ?? [],
          });
        }
      }),
      { numRuns: 200 },
    );
  });
});
