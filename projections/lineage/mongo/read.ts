import type { ColumnTransformation } from '../../../domain/openlineage-facets.js';
import { addLinks } from '../tag-set.js';
import { byName, checkAsOf, checkDepth, mergeWalks as mergeWalksOf, ways } from '../walk.js';
import type {
  ColumnEdge,
  ColumnLineageGraph,
  ColumnLineageQuery,
  DatasetFieldView,
  DatasetRef,
  DatasetView,
  ImpactView,
  JobView,
  LineageEdge,
  LineageGraph,
  LineageNode,
  LineageNodeKind,
  LineageQuery,
  NamedRef,
  RunView,
  SchemaFieldRecord,
} from '../ports.js';
import {
  binary,
  columnKey,
  nodeKey,
  normalRun,
  refOfKey,
  type ColumnEdgeDoc,
  type DatasetDoc,
  type JobDoc,
  type LineageCollections,
  type RunDoc,
} from './documents.js';
import { deletedSchema } from '../schema-versions.js';
import { latestRunOf } from './latest-run.js';
import { emptyTags, spreadTags, type createMongoPii, type TagSet } from './pii.js';
import type { createMongoSymlinkReader } from './symlinks.js';
import type { createMongoTraversal, Walk } from './traverse.js';

const unbounded = Number.MAX_SAFE_INTEGER;
const mergeWalks = (a: Walk, b: Walk): Walk => mergeWalksOf(a, b);
const byBinaryName = (a: NamedRef, b: NamedRef): number =>
  binary(a.namespace, b.namespace) || binary(a.name, b.name);
const refsOf = (keys: Iterable<string>): NamedRef[] => [...keys].map(refOfKey).sort(byBinaryName);

const existsAsOf = <T extends { firstSeen?: string | null }>(
  row: T | null,
  asOf: string | null,
): row is T => row !== null && (asOf === null || (row.firstSeen != null && row.firstSeen <= asOf));

/** The read side of the MongoDB lineage store: the SQLite store's queries, over documents. */
export const createMongoLineageQueries = (
  c: LineageCollections,
  traversal: ReturnType<typeof createMongoTraversal>,
  pii: ReturnType<typeof createMongoPii>,
  symlinks: ReturnType<typeof createMongoSymlinkReader>,
) => {
  const asOfFilter = (asOf: string | null) => (asOf === null ? {} : { validFrom: { $lte: asOf } });
  /** The dataset a name stands for: the one that won it as an alias, else the one so named. */
  const datasetDoc = async (ref: NamedRef): Promise<DatasetDoc | null> =>
    c.datasets.findOne({ _id: (await symlinks.ownerOf(ref)) ?? nodeKey(ref) });
  /** A dataset and the datasets named by its aliases. */
  const groupOf = async (id: string): Promise<string[]> => [
    id,
    ...((await symlinks.mates([id])).get(id) ?? []),
  ];

  const datasetFields = async (id: string, asOf: string | null) => {
    const found = await c.schemas
      .find({ dataset: id, ...(asOf === null ? {} : { observedAt: { $lte: asOf } }) })
      .sort({ observedAt: -1, version: -1 })
      .limit(1)
      .next();
    const version = found?.fieldsJson === deletedSchema ? null : found;
    const schema = version ? (JSON.parse(version.fieldsJson) as SchemaFieldRecord[]) : [];
    const names = new Set(schema.map((f) => f.name));
    const group = { $in: await groupOf(id) };
    const [into, outOf, tagged] = await Promise.all([
      c.columnEdges
        .find({ toDataset: group, ...asOfFilter(asOf) }, { projection: { toField: 1 } })
        .toArray(),
      c.columnEdges
        .find({ fromDataset: group, ...asOfFilter(asOf) }, { projection: { fromField: 1 } })
        .toArray(),
      c.tags.find({ dataset: group, field: { $ne: '' } }, { projection: { field: 1 } }).toArray(),
    ]);
    const other = new Set([
      ...into.map((e) => e.toField),
      ...outOf.map((e) => e.fromField),
      ...tagged.map((t) => t.field),
    ]);
    const extra = [...other].filter((f) => !names.has(f)).sort();
    return { version, schema, extra };
  };

  const dataset = async (ref: DatasetRef, asOfArg?: string): Promise<DatasetView | null> => {
    const asOf = checkAsOf(asOfArg);
    const row = await datasetDoc(ref);
    if (!existsAsOf(row, asOf)) return null;
    const { version, schema, extra } = await datasetFields(row._id, asOf);
    const columns = [
      ...schema.map((f) => ({
        name: f.name,
        type: f.type ?? null,
        description: f.description ?? null,
        inSchema: true,
      })),
      ...extra.map((name) => ({ name, type: null, description: null, inSchema: false })),
    ];
    const [tagsByField, own] = await Promise.all([
      pii.columnTags(
        row._id,
        columns.map((col) => col.name),
        asOf,
      ),
      pii.datasetTags(row._id, asOf),
    ]);
    const fields: DatasetFieldView[] = columns.map((col) => ({
      ...col,
      tags: pii.present(tagsByField.get(col.name) ?? emptyTags()),
    }));
    return {
      namespace: row.namespace,
      name: row.name,
      firstSeenAt: row.firstSeen ?? null,
      lastSeenAt: row.lastSeen ?? null,
      dataSource:
        row.dataSourceJson === undefined
          ? null
          : (JSON.parse(row.dataSourceJson) as DatasetView['dataSource']),
      schema: version ? { version: version.version, observedAt: version.observedAt } : null,
      fields,
      tags: pii.present(own),
      symlinks: refsOf(await symlinks.aliasesOf(row._id)),
    };
  };

  const findRun = async (runId: string): Promise<RunDoc | null> => {
    const found =
      (await c.runs.findOne({ _id: runId })) ?? (await c.runsArchive.findOne({ _id: runId }));
    return found && normalRun(found);
  };

  const job = async (ref: NamedRef): Promise<JobView | null> => {
    const row = await c.jobs.findOne({ _id: nodeKey(ref) });
    if (!row) return null;
    const [inputs, outputs, run] = await Promise.all([
      c.inputs.find({ job: row._id }).toArray(),
      c.outputs.find({ job: row._id }).toArray(),
      latestRunOf([c.runs, c.runsArchive], row._id),
    ]);
    return {
      namespace: row.namespace,
      name: row.name,
      firstSeenAt: row.firstSeen,
      lastSeenAt: row.lastSeen,
      facets: JSON.parse(row.facetsJson) as Record<string, unknown>,
      inputs: refsOf(inputs.map((e) => e.dataset)),
      outputs: refsOf(outputs.map((e) => e.dataset)),
      latestRun: run
        ? {
            runId: run._id,
            state: run.state ?? null,
            startedAt: run.startedAt ?? null,
            endedAt: run.endedAt ?? null,
          }
        : null,
    };
  };

  const run = async (runId: string): Promise<RunView | null> => {
    const r = await findRun(runId.toLowerCase());
    if (!r) return null;
    return {
      runId: r._id,
      job: refOfKey(r.job),
      state: r.state,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      facets: JSON.parse(r.facetsJson) as Record<string, unknown>,
      parent: r.parent,
      inputs: refsOf(r.inputs),
      outputs: refsOf(r.outputs),
      firstSeenAt: r.firstSeen,
      lastSeenAt: r.lastSeen,
    };
  };

  const startOf = (kind: LineageNodeKind, ref: NamedRef): Promise<DatasetDoc | JobDoc | null> =>
    kind === 'dataset' ? datasetDoc(ref) : c.jobs.findOne({ _id: nodeKey(ref) });

  const lineage = async (q: LineageQuery): Promise<LineageGraph> => {
    checkDepth(q.depth);
    const asOf = checkAsOf(q.asOf);
    const start = await startOf(q.node.kind, q.node);
    if (!existsAsOf(start, asOf)) return { nodes: [], edges: [] };
    const maxHops = q.node.kind === 'dataset' ? 2 * q.depth : Math.max(0, 2 * q.depth - 1);
    const walks = await Promise.all(
      ways(q.direction).map((way) =>
        traversal.walk({ kind: q.node.kind, id: start._id }, way, maxHops, asOf),
      ),
    );
    const walk = walks.reduce(mergeWalks);
    const nodesOf = async (
      kind: LineageNodeKind,
      ids: Iterable<string>,
    ): Promise<Map<string, LineageNode>> => {
      const docs: (DatasetDoc | JobDoc)[] =
        kind === 'dataset'
          ? await traversal.findAll<DatasetDoc>(c.datasets, '_id', [...ids], {})
          : await traversal.findAll<JobDoc>(c.jobs, '_id', [...ids], {});
      return new Map(
        docs.map((d) => [
          d._id,
          {
            kind,
            namespace: d.namespace,
            name: d.name,
            firstSeenAt: d.firstSeen ?? null,
            lastSeenAt: d.lastSeen ?? null,
          },
        ]),
      );
    };
    const [datasets, jobs] = await Promise.all([
      nodesOf('dataset', walk.datasets.keys()),
      nodesOf('job', walk.jobs.keys()),
    ]);
    const edges = walk.edges.map((e): LineageEdge => {
      const d = { kind: 'dataset' as const, ...refOfKey(e.datasetId) };
      const j = { kind: 'job' as const, ...refOfKey(e.jobId) };
      return {
        from: e.input ? d : j,
        to: e.input ? j : d,
        validFrom: e.validFrom,
        lastSeenAt: e.lastSeen,
      };
    });
    return { nodes: [...datasets.values(), ...jobs.values()], edges };
  };

  const columnEdgeOf = (e: ColumnEdgeDoc): ColumnEdge => ({
    from: { dataset: refOfKey(e.fromDataset), field: e.fromField },
    to: { dataset: refOfKey(e.toDataset), field: e.toField },
    job: refOfKey(e.job),
    transformations: JSON.parse(e.transformationsJson) as ColumnTransformation[],
    carriesPii: e.carriesPii,
    validFrom: e.validFrom,
    lastSeenAt: e.lastSeen,
  });

  const columnLineage = async (q: ColumnLineageQuery): Promise<ColumnLineageGraph> => {
    checkDepth(q.depth);
    const asOf = checkAsOf(q.asOf);
    const start = await datasetDoc(q.dataset);
    if (!existsAsOf(start, asOf)) return { nodes: [], edges: [] };
    const columns = new Map<string, { dataset: string; field: string }>();
    const edges = new Map<string, ColumnEdgeDoc>();
    const from = [{ dataset: start._id, field: q.field, key: columnKey(start._id, q.field) }];
    for (const way of ways(q.direction)) {
      const walk = await traversal.columnWalk(from, way, q.depth, asOf);
      for (const [k, col] of walk.columns) columns.set(k, col);
      for (const [k, e] of walk.edges) edges.set(k, e);
    }
    return {
      nodes: [...columns.values()].map((col) => ({
        dataset: refOfKey(col.dataset),
        field: col.field,
      })),
      edges: [...edges.values()].map(columnEdgeOf),
    };
  };

  const impact = async (ref: DatasetRef): Promise<ImpactView> => {
    const row = await datasetDoc(ref);
    const self = { namespace: ref.namespace, name: ref.name };
    if (!row) return { dataset: self, datasets: [], columns: [] };
    const id = row._id;
    const group = new Set(await groupOf(id));
    const fields = [
      ...new Set(
        (
          await c.columnEdges
            .find({ fromDataset: { $in: [...group] } }, { projection: { fromField: 1 } })
            .toArray()
        ).map((e) => e.fromField),
      ),
    ];
    const [datasetTags, downstream, startTags, walk] = await Promise.all([
      pii.datasetTags(id, null),
      traversal.walk({ kind: 'dataset', id }, 'DOWNSTREAM', unbounded, null),
      pii.columnTags(id, fields, null),
      traversal.columnWalk(
        fields.map((field) => ({ dataset: id, field, key: columnKey(id, field) })),
        'DOWNSTREAM',
        unbounded,
        null,
      ),
    ]);
    const tags = new Map<string, TagSet>();
    for (const [field, set] of startTags) for (const d of group) tags.set(columnKey(d, field), set);
    const next = new Map<string, string[]>();
    for (const e of walk.edges.values()) {
      if (!e.carriesPii) continue;
      const list = next.get(e.fromKey);
      if (list) list.push(e.toKey);
      else next.set(e.fromKey, [e.toKey]);
    }
    addLinks(next, walk.sameAs);
    spreadTags(tags, next);
    const datasetTagList = pii.present(datasetTags);
    const datasets = [...downstream.datasets]
      .filter(([d]) => !group.has(d))
      .map(([d, hops]) => ({ dataset: refOfKey(d), distance: hops / 2, tags: datasetTagList }))
      .sort((a, b) => a.distance - b.distance || byName(a.dataset, b.dataset));
    const columns = [...walk.columns.entries()]
      .filter(([, col]) => !group.has(col.dataset))
      .map(([key, col]) => ({
        column: { dataset: refOfKey(col.dataset), field: col.field },
        distance: col.distance,
        tags: pii.present(tags.get(key) ?? emptyTags()),
      }))
      .sort(
        (a, b) =>
          a.distance - b.distance ||
          byName(a.column.dataset, b.column.dataset) ||
          a.column.field.localeCompare(b.column.field),
      );
    return { dataset: { namespace: row.namespace, name: row.name }, datasets, columns };
  };

  return { dataset, job, run, lineage, columnLineage, impact };
};
