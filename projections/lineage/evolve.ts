import type { AuditEvent, EventOf } from '../../domain/catalogue.js';
import { toInstant } from '../../domain/openlineage-check.js';
import {
  flattenSchemaFields,
  piiTagsOf,
  type ColumnTransformation,
} from '../../domain/openlineage-facets.js';
import {
  type OpenLineageDataset,
  type OpenLineageJob,
  type OpenLineageRunEvent,
  type ValidOpenLineage,
} from '../../domain/openlineage.js';
import type { Projection } from '../ports.js';
import type { DatasetRef, JobRef, LineageChange } from './ports.js';

export const lineageGraphName = 'lineageGraph';

const ref = (n: { namespace: string; name: string }): DatasetRef => ({
  namespace: n.namespace,
  name: n.name,
});

/** PII flows along a column edge unless every declared transformation is INDIRECT. */
export const carriesPii = (transformations: readonly ColumnTransformation[]): boolean =>
  transformations.length === 0 || transformations.some((t) => t.type === 'DIRECT');

const datasetChanges = (d: OpenLineageDataset, at: string): LineageChange[] => {
  const dataset = ref(d);
  const { schema, dataSource, tags } = d.facets ?? {};
  const source = dataSource
    ? {
        ...(dataSource.name === undefined ? {} : { name: dataSource.name }),
        ...(dataSource.uri === undefined ? {} : { uri: dataSource.uri }),
      }
    : undefined;
  const changes: LineageChange[] = [
    { kind: 'datasetSeen', dataset, at, ...(source ? { dataSource: source } : {}) },
  ];
  if (schema?.fields)
    changes.push({
      kind: 'schemaObserved',
      dataset,
      fields: flattenSchemaFields(schema.fields),
      at,
    });
  if (tags) changes.push({ kind: 'piiTagsFaceted', dataset, tags: piiTagsOf(tags) });
  return changes;
};

const columnChanges = (output: OpenLineageDataset, job: JobRef, at: string): LineageChange[] =>
  Object.entries(output.facets?.columnLineage?.fields ?? {}).flatMap(([field, spec]) =>
    spec.inputFields.flatMap((input): LineageChange[] => {
      const transformations = input.transformations ?? [];
      return [
        { kind: 'datasetSeen', dataset: ref(input), at },
        {
          kind: 'columnDerived',
          from: { dataset: ref(input), field: input.field },
          to: { dataset: ref(output), field },
          job,
          transformations,
          carriesPii: carriesPii(transformations),
          at,
        },
      ];
    }),
  );

const jobChanges = (
  j: OpenLineageJob,
  inputs: readonly OpenLineageDataset[],
  outputs: readonly OpenLineageDataset[],
  at: string,
): LineageChange[] => {
  const job = ref(j);
  return [
    { kind: 'jobSeen', job, at, facets: j.facets ?? {} },
    ...inputs.flatMap((d): LineageChange[] => [
      ...datasetChanges(d, at),
      { kind: 'inputObserved', dataset: ref(d), job, at },
    ]),
    ...outputs.flatMap((d): LineageChange[] => [
      ...datasetChanges(d, at),
      { kind: 'outputObserved', job, dataset: ref(d), at },
      ...columnChanges(d, job, at),
    ]),
  ];
};

const runChanges = (e: OpenLineageRunEvent, at: string): LineageChange[] => {
  const inputs = e.inputs ?? [];
  const outputs = e.outputs ?? [];
  const parent = e.run.facets?.parent;
  return [
    ...jobChanges(e.job, inputs, outputs, at),
    {
      kind: 'runObserved',
      runId: e.run.runId.toLowerCase(),
      job: ref(e.job),
      eventType: e.eventType ?? null,
      at,
      facets: e.run.facets ?? {},
      parent: parent ? { runId: parent.run.runId.toLowerCase(), job: ref(parent.job) } : null,
      inputs: inputs.map(ref),
      outputs: outputs.map(ref),
    },
  ];
};

/** The changes one validated OpenLineage event makes to the lineage graph. */
export const openLineageChanges = (ol: ValidOpenLineage): LineageChange[] => {
  const at = toInstant(ol.event.eventTime);
  switch (ol.kind) {
    case 'RunEvent':
      return runChanges(ol.event, at);
    case 'DatasetEvent':
      return datasetChanges(ol.event.dataset, at);
    case 'JobEvent':
      return jobChanges(ol.event.job, ol.event.inputs ?? [], ol.event.outputs ?? [], at);
  }
};

/**
 * Every LineageRunEvent in the log passed validateOpenLineage at the boundary (domain/validation.ts),
 * so it is not validated again here; an event that still cannot be read projects nothing.
 */
const lineageRunChanges = (e: EventOf<'LineageRunEvent'>): LineageChange[] => {
  try {
    return openLineageChanges({
      kind: e.data.kind,
      event: e.data.event,
    } as unknown as ValidOpenLineage);
  } catch {
    return [];
  }
};

const classifiedChanges = (e: EventOf<'DatasetClassified'>): LineageChange[] => [
  {
    kind: 'piiClassified',
    dataset: ref(e.data.dataset),
    field: e.data.field ?? null,
    tags: [...new Set(e.data.tags)],
  },
];

/**
 * The lineage graph from `LineageRunEvent` (OpenLineage run, dataset and job events) and
 * `DatasetClassified`. Times come from the OpenLineage `eventTime`, normalised to UTC. PII tags come
 * from `DatasetClassified` and from the OpenLineage `tags` dataset facet (entries with key `pii`,
 * optionally scoped to a column by `field`); the `schema` facet has no tag property in the spec and
 * free-text descriptions are not read as classifications. A stored OpenLineage event that no longer
 * passes validation changes nothing.
 */
export const lineageGraphChanges = (event: AuditEvent): LineageChange[] => {
  switch (event.type) {
    case 'LineageRunEvent':
      return lineageRunChanges(event);
    case 'DatasetClassified':
      return classifiedChanges(event);
    default:
      return [];
  }
};

export const lineageGraph: Projection<LineageChange> = {
  name: lineageGraphName,
  changesFor: lineageGraphChanges,
};
