import type {
  ColumnTransformation as ColumnTransformationShape,
  DataSourceDatasetFacet,
} from '../domain/openlineage-facets.js';
import type {
  ColumnEdge as ColumnEdgeShape,
  ColumnLineageGraph as ColumnLineageGraphShape,
  ColumnRef,
  DatasetFieldView,
  DatasetRef as DatasetRefShape,
  DatasetView,
  ImpactView,
  JobRef as JobRefShape,
  JobView,
  LineageEdge as LineageEdgeShape,
  LineageGraph as LineageGraphShape,
  LineageNode as LineageNodeShape,
  LineageNodeRef as LineageNodeRefShape,
  PiiTag as PiiTagShape,
  PiiTagOrigin as PiiTagOriginShape,
  RunSummary as RunSummaryShape,
  RunView,
} from '../projections/lineage/ports.js';
import { allow, builder } from './builder.js';
import { defaultLineageDepth, lineageDepthExtension } from './limits.js';
import { readModel } from './problems.js';

export const Direction = builder.enumType('Direction', {
  values: {
    UPSTREAM: { value: 'UPSTREAM' },
    DOWNSTREAM: { value: 'DOWNSTREAM' },
    BOTH: { value: 'BOTH' },
  } as const,
});
export const LineageNodeKind = builder.enumType('LineageNodeKind', {
  values: { DATASET: { value: 'dataset' }, JOB: { value: 'job' } } as const,
});
const PiiTagSource = builder.enumType('PiiTagSource', {
  values: {
    CLASSIFICATION: { value: 'classification' },
    OPENLINEAGE: { value: 'openlineage' },
  } as const,
});
const RunState = builder.enumType('RunState', {
  values: ['STARTED', 'RUNNING', 'COMPLETED', 'FAILED', 'ABORTED'] as const,
});
const TransformationType = builder.enumType('TransformationType', {
  values: ['DIRECT', 'INDIRECT'] as const,
});

export const NodeInput = builder.inputType('NodeInput', {
  description: 'A dataset or a job, named as OpenLineage names them.',
  fields: (t) => ({
    kind: t.field({ type: LineageNodeKind, required: true }),
    namespace: t.string({ required: true }),
    name: t.string({ required: true }),
  }),
});
export const DatasetInput = builder.inputType('DatasetInput', {
  fields: (t) => ({ namespace: t.string({ required: true }), name: t.string({ required: true }) }),
});

/** Who may see lineage; PII tags are further limited to data engineers (analysts get null). */
const lineageReaders = allow('data_engineer', 'analyst');
const piiReaders = allow('data_engineer');
const refKey = (r: { namespace: string; name: string }): string =>
  JSON.stringify([r.namespace, r.name]);
const refOf = (key: string): { namespace: string; name: string } => {
  const [namespace, name] = JSON.parse(key) as [string, string];
  return { namespace, name };
};

export const Dataset = builder.objectRef<DatasetView>('Dataset');
export const Job = builder.objectRef<JobView>('Job');

export const DatasetRef = builder.objectRef<DatasetRefShape>('DatasetRef').implement({
  fields: (t) => ({
    namespace: t.exposeString('namespace'),
    name: t.exposeString('name'),
    dataset: t.loadable({
      type: Dataset,
      nullable: true,
      description: 'The dataset as it is now (null when only named, never seen).',
      authScopes: lineageReaders,
      load: (keys: string[], ctx) => Promise.all(keys.map((k) => ctx.lineage.dataset(refOf(k)))),
      resolve: refKey,
    }),
  }),
});

export const JobRef = builder.objectRef<JobRefShape>('JobRef').implement({
  fields: (t) => ({
    namespace: t.exposeString('namespace'),
    name: t.exposeString('name'),
    job: t.loadable({
      type: Job,
      nullable: true,
      authScopes: lineageReaders,
      load: (keys: string[], ctx) => Promise.all(keys.map((k) => ctx.lineage.job(refOf(k)))),
      resolve: refKey,
    }),
  }),
});

const PiiTagOrigin = builder.objectRef<PiiTagOriginShape>('PiiTagOrigin').implement({
  description:
    'Where a PII tag was put directly: on a column, or on a whole dataset when field is null.',
  fields: (t) => ({
    dataset: t.expose('dataset', { type: DatasetRef }),
    field: t.exposeString('field', { nullable: true }),
    source: t.expose('source', { type: PiiTagSource }),
  }),
});

export const PiiTag = builder.objectRef<PiiTagShape>('PiiTag').implement({
  description: 'A PII tag and every place it was put directly from which it reaches here.',
  fields: (t) => ({
    tag: t.exposeString('tag'),
    origins: t.expose('origins', { type: [PiiTagOrigin] }),
  }),
});

/** The `tags` field of datasets and their fields: PII detail, null for roles that may not see it. */
const piiTagsField = () => ({
  type: [PiiTag] as [typeof PiiTag],
  nullable: true as const,
  description:
    'PII tags, own and propagated from upstream. [] means none; null means your role (analyst) may not see PII detail.',
  authScopes: piiReaders,
  unauthorizedResolver: () => null,
});

const DatasetField = builder.objectRef<DatasetFieldView>('DatasetField').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    type: t.exposeString('type', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    inSchema: t.exposeBoolean('inSchema', {
      description: 'False for a column known only from column lineage or a classification.',
    }),
    tags: t.expose('tags', piiTagsField()),
  }),
});

const DataSource = builder.objectRef<DataSourceDatasetFacet>('DataSource').implement({
  fields: (t) => ({
    name: t.exposeString('name', { nullable: true }),
    uri: t.exposeString('uri', { nullable: true }),
  }),
});

const SchemaVersion = builder
  .objectRef<{ readonly version: number; readonly observedAt: string }>('SchemaVersion')
  .implement({
    fields: (t) => ({
      version: t.exposeInt('version'),
      observedAt: t.expose('observedAt', { type: 'DateTime' }),
    }),
  });

Dataset.implement({
  fields: (t) => ({
    namespace: t.exposeString('namespace'),
    name: t.exposeString('name'),
    firstSeenAt: t.expose('firstSeenAt', { type: 'DateTime', nullable: true }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime', nullable: true }),
    dataSource: t.expose('dataSource', { type: DataSource, nullable: true }),
    schema: t.expose('schema', {
      type: SchemaVersion,
      nullable: true,
      description:
        'The schema version in force (as of `asOf`): the one observed latest at or before that instant, a tie going to the one recorded later. Versions are numbered from 1 in the order they were recorded, so a late-arriving event can give a higher number an earlier observedAt.',
    }),
    fields: t.expose('fields', { type: [DatasetField] }),
    tags: t.expose('tags', piiTagsField()),
    symlinks: t.expose('symlinks', {
      type: [DatasetRef],
      description:
        'Other names of this dataset, from its OpenLineage symlinks facet (a table name for a path): queries and classifications naming one of them mean this dataset.',
    }),
  }),
});

const RunSummary = builder.objectRef<RunSummaryShape>('RunSummary').implement({
  fields: (t) => ({
    runId: t.exposeID('runId'),
    state: t.expose('state', { type: RunState, nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
  }),
});

Job.implement({
  fields: (t) => ({
    namespace: t.exposeString('namespace'),
    name: t.exposeString('name'),
    firstSeenAt: t.expose('firstSeenAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
    facets: t.field({
      type: 'JSON',
      description:
        'Job facets merged by name, each from the event with the latest eventTime (on a tie, the later recorded).',
      resolve: (j) => j.facets,
    }),
    inputs: t.expose('inputs', { type: [DatasetRef] }),
    outputs: t.expose('outputs', { type: [DatasetRef] }),
    latestRun: t.expose('latestRun', { type: RunSummary, nullable: true }),
  }),
});

const RunParent = builder
  .objectRef<{ readonly runId: string; readonly job: JobRefShape }>('RunParent')
  .implement({
    fields: (t) => ({ runId: t.exposeID('runId'), job: t.expose('job', { type: JobRef }) }),
  });

const Run = builder.objectRef<RunView>('Run').implement({
  fields: (t) => ({
    runId: t.exposeID('runId'),
    state: t.expose('state', { type: RunState, nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
    job: t.expose('job', { type: JobRef }),
    facets: t.field({
      type: 'JSON',
      description: 'Run facets merged by name, the latest winning.',
      resolve: (r) => r.facets,
    }),
    parent: t.expose('parent', { type: RunParent, nullable: true }),
    inputs: t.expose('inputs', { type: [DatasetRef] }),
    outputs: t.expose('outputs', { type: [DatasetRef] }),
    firstSeenAt: t.expose('firstSeenAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
  }),
});

const LineageNodeRef = builder.objectRef<LineageNodeRefShape>('LineageNodeRef').implement({
  fields: (t) => ({
    kind: t.expose('kind', { type: LineageNodeKind }),
    namespace: t.exposeString('namespace'),
    name: t.exposeString('name'),
  }),
});

const LineageNode = builder.objectRef<LineageNodeShape>('LineageNode').implement({
  fields: (t) => ({
    kind: t.expose('kind', { type: LineageNodeKind }),
    namespace: t.exposeString('namespace'),
    name: t.exposeString('name'),
    firstSeenAt: t.expose('firstSeenAt', { type: 'DateTime', nullable: true }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime', nullable: true }),
  }),
});

const LineageEdge = builder.objectRef<LineageEdgeShape>('LineageEdge').implement({
  description: 'dataset → job (the job reads it) or job → dataset (the job writes it).',
  fields: (t) => ({
    from: t.expose('from', { type: LineageNodeRef }),
    to: t.expose('to', { type: LineageNodeRef }),
    validFrom: t.expose('validFrom', {
      type: 'DateTime',
      description: 'When an event first showed this edge.',
    }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
  }),
});

const LineageGraph = builder.objectRef<LineageGraphShape>('LineageGraph').implement({
  fields: (t) => ({
    nodes: t.expose('nodes', { type: [LineageNode] }),
    edges: t.expose('edges', { type: [LineageEdge] }),
  }),
});

const Column = builder.objectRef<ColumnRef>('Column').implement({
  fields: (t) => ({
    dataset: t.expose('dataset', { type: DatasetRef }),
    field: t.exposeString('field'),
  }),
});

const ColumnTransformation = builder
  .objectRef<ColumnTransformationShape>('ColumnTransformation')
  .implement({
    fields: (t) => ({
      type: t.expose('type', { type: TransformationType }),
      subtype: t.exposeString('subtype', { nullable: true }),
      description: t.exposeString('description', { nullable: true }),
      masking: t.exposeBoolean('masking', { nullable: true }),
    }),
  });

const ColumnEdge = builder.objectRef<ColumnEdgeShape>('ColumnEdge').implement({
  description: 'input column → output column, as declared by a columnLineage facet.',
  fields: (t) => ({
    from: t.expose('from', { type: Column }),
    to: t.expose('to', { type: Column }),
    job: t.expose('job', {
      type: JobRef,
      description: 'The job of the latest event that declared this edge.',
    }),
    transformations: t.expose('transformations', { type: [ColumnTransformation] }),
    carriesPii: t.exposeBoolean('carriesPii', {
      description:
        'Whether PII tags flow along this edge. True once any declaration of the edge carried PII (no transformations, or one not INDIRECT), and it stays true even when a later declaration is all INDIRECT: PII once seen flowing is still located for erasure. False only when every declaration so far was all INDIRECT. `transformations` shows the latest declaration.',
    }),
    validFrom: t.expose('validFrom', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
  }),
});

const ColumnLineageGraph = builder
  .objectRef<ColumnLineageGraphShape>('ColumnLineageGraph')
  .implement({
    fields: (t) => ({
      nodes: t.expose('nodes', { type: [Column] }),
      edges: t.expose('edges', { type: [ColumnEdge] }),
    }),
  });

type ImpactedDatasetShape = ImpactView['datasets'][number];
type ImpactedColumnShape = ImpactView['columns'][number];

const ImpactedDataset = builder.objectRef<ImpactedDatasetShape>('ImpactedDataset').implement({
  fields: (t) => ({
    dataset: t.expose('dataset', { type: DatasetRef }),
    distance: t.exposeInt('distance', { description: 'Dataset hops from the source.' }),
    tags: t.expose('tags', {
      type: [PiiTag],
      description: "The source's dataset-level PII tags that reach it.",
    }),
  }),
});

const ImpactedColumn = builder.objectRef<ImpactedColumnShape>('ImpactedColumn').implement({
  fields: (t) => ({
    column: t.expose('column', { type: Column }),
    distance: t.exposeInt('distance', { description: 'Column hops from the source.' }),
    tags: t.expose('tags', {
      type: [PiiTag],
      description: "The source's column PII tags that reach it.",
    }),
  }),
});

const Impact = builder.objectRef<ImpactView>('Impact').implement({
  description:
    'Everything downstream of a dataset, with the PII tags that flow to it through that dataset.',
  fields: (t) => ({
    dataset: t.expose('dataset', { type: DatasetRef }),
    datasets: t.expose('datasets', { type: [ImpactedDataset] }),
    columns: t.expose('columns', { type: [ImpactedColumn] }),
  }),
});

builder.queryFields((t) => ({
  lineage: t.field({
    type: LineageGraph,
    nullable: true,
    description:
      'Walk the dataset → job → dataset graph from a node. `depth` counts dataset hops (0 = the node alone). ' +
      'With `asOf`, edges first seen after that instant are ignored.',
    args: {
      node: t.arg({ type: NodeInput, required: true }),
      direction: t.arg({ type: Direction, defaultValue: 'DOWNSTREAM' }),
      depth: t.arg.int({ defaultValue: defaultLineageDepth }),
      asOf: t.arg({ type: 'DateTime' }),
    },
    extensions: lineageDepthExtension,
    authScopes: lineageReaders,
    resolve: (_parent, args, ctx) =>
      readModel(() =>
        ctx.lineage.lineage({
          node: args.node,
          direction: args.direction ?? 'DOWNSTREAM',
          depth: args.depth ?? defaultLineageDepth,
          ...(args.asOf == null ? {} : { asOf: args.asOf }),
        }),
      ),
  }),
  columnLineage: t.field({
    type: ColumnLineageGraph,
    nullable: true,
    description: 'Walk column lineage from one column; `depth` counts column hops.',
    args: {
      dataset: t.arg({ type: DatasetInput, required: true }),
      field: t.arg.string({ required: true }),
      direction: t.arg({ type: Direction, defaultValue: 'DOWNSTREAM' }),
      depth: t.arg.int({ defaultValue: defaultLineageDepth }),
      asOf: t.arg({ type: 'DateTime' }),
    },
    extensions: lineageDepthExtension,
    authScopes: lineageReaders,
    resolve: (_parent, args, ctx) =>
      readModel(() =>
        ctx.lineage.columnLineage({
          dataset: args.dataset,
          field: args.field,
          direction: args.direction ?? 'DOWNSTREAM',
          depth: args.depth ?? defaultLineageDepth,
          ...(args.asOf == null ? {} : { asOf: args.asOf }),
        }),
      ),
  }),
  dataset: t.field({
    type: Dataset,
    nullable: true,
    description:
      'A dataset with its schema (as of `asOf`), columns and PII tags; null when unknown. One of its symlinks names it too.',
    args: {
      namespace: t.arg.string({ required: true }),
      name: t.arg.string({ required: true }),
      asOf: t.arg({ type: 'DateTime' }),
    },
    authScopes: lineageReaders,
    resolve: (_parent, args, ctx) =>
      readModel(() =>
        ctx.lineage.dataset({ namespace: args.namespace, name: args.name }, args.asOf ?? undefined),
      ),
  }),
  job: t.field({
    type: Job,
    nullable: true,
    args: { namespace: t.arg.string({ required: true }), name: t.arg.string({ required: true }) },
    authScopes: lineageReaders,
    resolve: (_parent, args, ctx) =>
      readModel(() => ctx.lineage.job({ namespace: args.namespace, name: args.name })),
  }),
  run: t.field({
    type: Run,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    authScopes: allow('data_engineer'),
    resolve: (_parent, args, ctx) => readModel(() => ctx.lineage.run(args.id)),
  }),
  impact: t.field({
    type: Impact,
    nullable: true,
    description:
      'Every downstream dataset and column of a dataset, with the PII tags that reach it.',
    args: { dataset: t.arg({ type: DatasetInput, required: true }) },
    authScopes: allow('data_engineer'),
    resolve: (_parent, args, ctx) => readModel(() => ctx.lineage.impact(args.dataset)),
  }),
}));
