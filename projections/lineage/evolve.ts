import type { AuditEvent, EventOf } from '../../domain/catalogue.js';
import { toInstant } from '../../domain/openlineage-check.js';
import {
  flattenSchemaFields,
  isDeletedFacet,
  piiTagsOf,
  type ColumnLineageInputField,
  type ColumnTransformation,
  type TagsDatasetFacet,
} from '../../domain/openlineage-facets.js';
import {
  type OpenLineageDataset,
  type OpenLineageJob,
  type OpenLineageRunEvent,
  type ValidOpenLineage,
} from '../../domain/openlineage.js';
import { symlinksOf } from '../../domain/openlineage-symlinks.js';
import type { Projection } from '../ports.js';
import type { ColumnRef, DatasetRef, JobRef, LineageChange } from './ports.js';

export const lineageGraphName = 'lineageGraph';

const ref = (n: { namespace: string; name: string }): DatasetRef => ({
  namespace: n.namespace,
  name: n.name,
});

/** PII flows along this declaration of a column edge unless every transformation is INDIRECT. */
export const carriesPii = (transformations: readonly ColumnTransformation[]): boolean =>
  transformations.length === 0 || transformations.some((t) => t.type === 'DIRECT');

// The builders below push into one array per event: a lineage event makes a few dozen changes, and
// spreading partial arrays into each other was a visible share of the projection's allocations.

/**
 * A `tags` facet speaks about PII only through its `pii` entries. The writer's facet (`replace`: a
 * job's output, a DatasetEvent's dataset) with any `pii` entry, `pii: false` included, is the
 * dataset's OpenLineage PII tags; one without says nothing about PII. A reader's facet (`add`: a
 * job's input) can add tags but never remove one.
 */
const tagChange = (
  out: LineageChange[],
  dataset: DatasetRef,
  facet: TagsDatasetFacet,
  mode: 'replace' | 'add',
): void => {
  const tags = piiTagsOf(facet);
  const speaks =
    mode === 'replace'
      ? (facet.tags ?? []).some((t) => t.key.toLowerCase() === 'pii')
      : tags.length > 0;
  if (speaks) out.push({ kind: 'piiTagsFaceted', dataset, mode, tags });
};

const datasetChanges = (
  out: LineageChange[],
  d: OpenLineageDataset,
  at: string,
  tagMode: 'replace' | 'add',
): void => {
  const dataset = ref(d);
  const { schema, dataSource, tags } = d.facets ?? {};
  const source =
    dataSource === undefined
      ? undefined
      : isDeletedFacet(dataSource)
        ? null
        : {
            ...(dataSource.name === undefined ? {} : { name: dataSource.name }),
            ...(dataSource.uri === undefined ? {} : { uri: dataSource.uri }),
          };
  out.push({
    kind: 'datasetSeen',
    dataset,
    at,
    ...(source === undefined ? {} : { dataSource: source }),
  });
  if (schema && isDeletedFacet(schema))
    out.push({ kind: 'schemaObserved', dataset, fields: null, at });
  else if (schema?.fields)
    out.push({
      kind: 'schemaObserved',
      dataset,
      fields: flattenSchemaFields(schema.fields),
      at,
    });
  // A deleted tags facet says nothing about PII: tags only ever come from a facet that names them.
  if (tags && !isDeletedFacet(tags)) tagChange(out, dataset, tags, tagMode);
  const symlinks = symlinksOf(d.facets?.symlinks, d);
  if (symlinks) out.push({ kind: 'symlinksDeclared', dataset, symlinks, at });
};

const columnId = (c: ColumnLineageInputField): string =>
  JSON.stringify([c.namespace, c.name, c.field]);

/** The input columns of a columnLineage `dataset` list, a repeated one's transformations merged. */
const affectingAll = (inputs: readonly ColumnLineageInputField[]) => {
  const byColumn = new Map<string, { from: ColumnRef; transformations: ColumnTransformation[] }>();
  for (const input of inputs) {
    const transformations = input.transformations ?? [];
    const known = byColumn.get(columnId(input));
    if (known) known.transformations.push(...transformations);
    else
      byColumn.set(columnId(input), {
        from: { dataset: ref(input), field: input.field },
        transformations: [...transformations],
      });
  }
  return byColumn;
};

/**
 * Column edges of an output's `columnLineage` facet: each output field from its input fields, and
 * from every input field of the facet's `dataset` list (joins, filters, grouping, sorting affect
 * every column: such an edge never carries PII, and gives way to the field's own declaration of the
 * same input column). The output's columns are those the facet names and, when it has a `dataset`
 * list, those of the output's `schema` facet in the same event (docs/decisions.md).
 */
const columnChanges = (
  out: LineageChange[],
  output: OpenLineageDataset,
  job: JobRef,
  at: string,
): void => {
  const facet = output.facets?.columnLineage;
  if (!facet || isDeletedFacet(facet)) return;
  const to = ref(output);
  const all = affectingAll(facet.dataset ?? []);
  for (const { from } of all.values()) out.push({ kind: 'datasetSeen', dataset: from.dataset, at });
  const edge = (
    from: ColumnRef,
    field: string,
    transformations: readonly ColumnTransformation[],
    pii: boolean,
  ) =>
    out.push({
      kind: 'columnDerived',
      from,
      to: { dataset: to, field },
      job,
      transformations,
      carriesPii: pii,
      at,
    });
  const columns = new Set(Object.keys(facet.fields));
  const schema = output.facets?.schema;
  if (all.size > 0 && schema && !isDeletedFacet(schema))
    for (const f of flattenSchemaFields(schema.fields ?? [])) columns.add(f.name);
  for (const field of columns) {
    const declared = new Set<string>();
    const inputs = Object.hasOwn(facet.fields, field) ? facet.fields[field]!.inputFields : [];
    for (const input of inputs) {
      const transformations = input.transformations ?? [];
      const from = ref(input);
      if (all.size > 0) declared.add(columnId(input));
      out.push({ kind: 'datasetSeen', dataset: from, at });
      edge(
        { dataset: from, field: input.field },
        field,
        transformations,
        carriesPii(transformations),
      );
    }
    for (const [id, c] of all) if (!declared.has(id)) edge(c.from, field, c.transformations, false);
  }
};

const jobChanges = (
  out: LineageChange[],
  j: OpenLineageJob,
  inputs: readonly OpenLineageDataset[],
  outputs: readonly OpenLineageDataset[],
  at: string,
): void => {
  const job = ref(j);
  const facets = j.facets ?? {};
  out.push({
    kind: 'jobSeen',
    job,
    at,
    facets: Object.values(facets).some(isDeletedFacet)
      ? Object.fromEntries(
          Object.entries(facets).map(([name, f]) => [name, isDeletedFacet(f) ? null : f]),
        )
      : facets,
  });
  for (const d of inputs) {
    datasetChanges(out, d, at, 'add');
    out.push({ kind: 'inputObserved', dataset: ref(d), job, at });
  }
  for (const d of outputs) {
    datasetChanges(out, d, at, 'replace');
    out.push({ kind: 'outputObserved', job, dataset: ref(d), at });
    columnChanges(out, d, job, at);
  }
};

const runChanges = (out: LineageChange[], e: OpenLineageRunEvent, at: string): void => {
  const inputs = e.inputs ?? [];
  const outputs = e.outputs ?? [];
  const parent = e.run.facets?.parent;
  jobChanges(out, e.job, inputs, outputs, at);
  out.push({
    kind: 'runObserved',
    runId: e.run.runId.toLowerCase(),
    job: ref(e.job),
    eventType: e.eventType ?? null,
    at,
    facets: e.run.facets ?? {},
    parent: parent ? { runId: parent.run.runId.toLowerCase(), job: ref(parent.job) } : null,
    inputs: inputs.map(ref),
    outputs: outputs.map(ref),
  });
};

/** The changes one validated OpenLineage event makes to the lineage graph. */
export const openLineageChanges = (ol: ValidOpenLineage): LineageChange[] => {
  const at = toInstant(ol.event.eventTime);
  const out: LineageChange[] = [];
  switch (ol.kind) {
    case 'RunEvent':
      runChanges(out, ol.event, at);
      break;
    case 'DatasetEvent':
      datasetChanges(out, ol.event.dataset, at, 'replace');
      break;
    case 'JobEvent':
      jobChanges(out, ol.event.job, ol.event.inputs ?? [], ol.event.outputs ?? [], at);
      break;
  }
  return out;
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
 * optionally scoped to a column by `field`; `tagChange` says whose facet replaces and whose adds);
 * the `schema` facet has no tag property in the spec and free-text descriptions are not read as
 * classifications. The `symlinks` facet (of an input or an output) gives a dataset other names,
 * which the read model resolves to it. A stored OpenLineage event that no longer
 * passes validation changes nothing.
 */
export const lineageGraphChanges = (event: AuditEvent): LineageChange[] => {
  // Keep in step with lineageEventTypes.
  switch (event.type) {
    case 'LineageRunEvent':
      return lineageRunChanges(event);
    case 'DatasetClassified':
      return classifiedChanges(event);
    default:
      return [];
  }
};

type PiiChange = Extract<LineageChange, { kind: 'piiClassified' | 'piiTagsFaceted' }>;

/**
 * The PII changes of `lineageGraphChanges`, in the same order, without building the rest of the
 * graph's changes when there are none: the erasure projection needs only these. When a tags facet
 * is found, the full changes decide, so an event the graph cannot read (an old entry that no longer
 * validates) gives no PII here either.
 */
export const lineagePiiChanges = (event: AuditEvent): PiiChange[] => {
  if (event.type === 'DatasetClassified') return classifiedChanges(event) as PiiChange[];
  if (event.type !== 'LineageRunEvent') return [];
  try {
    const ol = { kind: event.data.kind, event: event.data.event } as unknown as ValidOpenLineage;
    const datasets =
      ol.kind === 'DatasetEvent'
        ? [ol.event.dataset]
        : [...(ol.event.inputs ?? []), ...(ol.event.outputs ?? [])];
    if (!datasets.some((d) => d.facets?.tags)) return [];
  } catch {
    return [];
  }
  return lineageGraphChanges(event).filter(
    (c): c is PiiChange => c.kind === 'piiClassified' || c.kind === 'piiTagsFaceted',
  );
};

/** The only event types that change the lineage graph: a reader may skip every other. */
export const lineageEventTypes: readonly string[] = ['LineageRunEvent', 'DatasetClassified'];

export const lineageGraph: Projection<LineageChange> = {
  name: lineageGraphName,
  changesFor: lineageGraphChanges,
};
