import { expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import type { ColumnEdge } from '../../../projections/lineage/ports.js';
import { minute, producer, schemaURL, uuidOf } from '../../unit/lineage/support.js';
import { datasetClassified, lineageRunEvent } from '../events.js';
import type { WithStore } from './lineage-facet-deletion.js';

const facet = (body: object) => ({ _producer: producer, _schemaURL: schemaURL, ...body });
const customers = { namespace: 'warehouse', name: 'customers' };
const french = { namespace: 'warehouse', name: 'fr_customers' };
const input = (field: string, type: 'DIRECT' | 'INDIRECT', subtype: string) => ({
  ...customers,
  field,
  transformations: [{ type, subtype }],
});
const filter = [{ type: 'INDIRECT', subtype: 'FILTER' }];

/**
 * A job keeps the French customers: `email` copied, `region` from `country`, and `signup` (a column
 * of the output's schema only) all filtered on `country`, through the columnLineage facet's
 * dataset-level `dataset` list.
 */
const events = (): AuditEvent[] => [
  datasetClassified(customers, ['pii:location'], 'country'),
  lineageRunEvent({
    eventType: 'COMPLETE',
    eventTime: minute(10),
    producer,
    schemaURL,
    run: { runId: uuidOf(1) },
    job: { namespace: 'scheduler', name: 'french' },
    inputs: [customers],
    outputs: [
      {
        ...french,
        facets: {
          schema: facet({ fields: ['email', 'region', 'signup'].map((name) => ({ name })) }),
          columnLineage: facet({
            fields: {
              email: { inputFields: [input('email', 'DIRECT', 'IDENTITY')] },
              region: { inputFields: [input('country', 'DIRECT', 'TRANSFORMATION')] },
            },
            dataset: [input('country', 'INDIRECT', 'FILTER')],
          }),
        },
      },
    ],
  }),
];

const edgesOf = (edges: readonly ColumnEdge[]) =>
  edges
    .map((e) => [`${e.from.field}->${e.to.field}`, e.transformations, e.carriesPii] as const)
    .sort(([a], [b]) => a.localeCompare(b));

/** Dataset-level inputs of the columnLineage facet. Registered by `lineageStoreContract`. */
export const datasetInputsContract = (withStore: WithStore): void => {
  it('links a join or filter column to every column of the output, carrying no PII', () =>
    withStore(events(), async (store) => {
      const down = await store.columnLineage({
        dataset: customers,
        field: 'country',
        direction: 'DOWNSTREAM',
        depth: 1,
      });
      expect(edgesOf(down.edges)).toEqual([
        ['country->email', filter, false],
        ['country->region', [{ type: 'DIRECT', subtype: 'TRANSFORMATION' }], true],
        ['country->signup', filter, false],
      ]);
      const up = await store.columnLineage({
        dataset: french,
        field: 'email',
        direction: 'UPSTREAM',
        depth: 1,
      });
      expect(up.nodes.map((n) => `${n.dataset.name}.${n.field}`).sort()).toEqual([
        'customers.country',
        'customers.email',
        'fr_customers.email',
      ]);
      const impact = await store.impact(customers);
      expect(
        impact.columns.map((c) => [c.column.field, c.distance, c.tags.map((t) => t.tag)]),
      ).toEqual([
        ['email', 1, []],
        ['region', 1, ['pii:location']],
        ['signup', 1, []],
      ]);
    }));
};
