import type { AuditEvent } from '../../../domain/catalogue.js';
import { producer, schemaURL, uuidOf } from '../../unit/lineage/support.js';
import { datasetClassified, lineageRunEvent } from '../events.js';

/**
 * Whose OpenLineage `tags` facet counts, shared by the lineage and erasure contracts so both read
 * models are held to the same answer: a job's output (the writer) replaces the dataset's
 * OpenLineage PII tags when its facet has a `pii` entry, a job's input (a reader) only adds, and
 * classifications are left alone.
 */
export const usersTable = { namespace: 'postgres://crm', name: 'public.users' };

type Entry = { readonly key?: string; readonly value: string; readonly field?: string };

const tagsFacet = (entries: readonly Entry[]) => ({
  tags: {
    _producer: producer,
    _schemaURL: 'https://openlineage.io/spec/facets/1-0-0/TagsDatasetFacet.json',
    tags: entries.map((t) => ({ key: 'pii', ...t })),
  },
});

const users = (entries: readonly Entry[]) => ({ ...usersTable, facets: tagsFacet(entries) });

const run = (
  n: number,
  job: string,
  sides: { inputs?: readonly object[]; outputs?: readonly object[] },
): AuditEvent =>
  lineageRunEvent({
    eventType: 'COMPLETE',
    eventTime: new Date(Date.UTC(2026, 7, 1, n)).toISOString(),
    producer,
    schemaURL,
    run: { runId: uuidOf(100 + n) },
    job: { namespace: 'scheduler', name: job },
    inputs: sides.inputs ?? [],
    outputs: sides.outputs ?? [],
  });

export interface TagFacetStep {
  readonly what: string;
  readonly event: AuditEvent;
  /** The tags put directly on `usersTable` afterwards, by field ('' for the dataset itself). */
  readonly tags: Readonly<Record<string, readonly string[]>>;
}

export const tagFacetSteps = (): TagFacetStep[] => [
  {
    what: 'the writer tags a column',
    event: run(1, 'crm.load_users', {
      outputs: [users([{ value: 'email', field: 'email' }])],
    }),
    tags: { email: ['pii:email'] },
  },
  {
    what: 'a reader puts an unrelated tag on its input',
    event: run(2, 'bi.report', {
      inputs: [users([{ key: 'owner', value: 'crm-team' }])],
      outputs: [{ namespace: 's3://bi', name: 'weekly' }],
    }),
    tags: { email: ['pii:email'] },
  },
  {
    what: 'a reader tags another column of its input',
    event: run(3, 'bi.audit', { inputs: [users([{ value: 'phone', field: 'phone' }])] }),
    tags: { email: ['pii:email'], phone: ['pii:phone'] },
  },
  {
    what: 'the writer sends a tags facet without pii entries',
    event: run(4, 'crm.load_users', { outputs: [users([{ key: 'owner', value: 'crm-team' }])] }),
    tags: { email: ['pii:email'], phone: ['pii:phone'] },
  },
  {
    what: 'a DPO classifies a column',
    event: datasetClassified(usersTable, ['pii.name'], 'name'),
    tags: { email: ['pii:email'], name: ['pii.name'], phone: ['pii:phone'] },
  },
  {
    what: 'the writer’s next pii facet replaces every facet tag, the reader’s included',
    event: run(6, 'crm.load_users', {
      outputs: [users([{ value: 'email', field: 'email' }, { value: 'true' }])],
    }),
    tags: { '': ['pii'], email: ['pii:email'], name: ['pii.name'] },
  },
  {
    what: 'a reader cannot remove a tag',
    event: run(7, 'bi.audit', { inputs: [users([{ value: 'false' }])] }),
    tags: { '': ['pii'], email: ['pii:email'], name: ['pii.name'] },
  },
  {
    what: 'a DatasetEvent with pii: false clears the facet tags, not the classification',
    event: lineageRunEvent({
      eventTime: '2026-08-01T08:00:00.000Z',
      producer,
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent',
      dataset: users([{ value: 'false' }]),
    }),
    tags: { name: ['pii.name'] },
  },
];
