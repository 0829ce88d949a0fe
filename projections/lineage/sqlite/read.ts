import type { Database } from 'better-sqlite3';
import { addLinks } from '../tag-set.js';
import { byName, checkAsOf, checkDepth, mergeWalks as mergeWalksOf, ways } from '../walk.js';
import type { ColumnTransformation } from '../../../domain/openlineage-facets.js';
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
  LineageNodeRef,
  LineageQuery,
  NamedRef,
  RunState,
  RunSummary,
  RunView,
  SchemaFieldRecord,
} from '../ports.js';
import { deletedSchema } from '../schema-versions.js';
import { emptyTags, spreadTags, type createPii, type TagSet } from './pii.js';
import type { createSymlinkReader } from './symlinks.js';
import { columnKey, type ColumnEdgeRow, type createTraversal, type Walk } from './traverse.js';

interface NodeRow {
  readonly id: number;
  readonly namespace: string;
  readonly name: string;
  readonly first_seen: string | null;
  readonly last_seen: string | null;
}

interface RunRow {
  readonly run_id: string;
  readonly job_namespace: string;
  readonly job_name: string;
  readonly state: RunState | null;
  readonly started_at: string | null;
  readonly ended_at: string | null;
  readonly facets: string;
  readonly parent_run_id: string | null;
  readonly parent_job_namespace: string | null;
  readonly parent_job_name: string | null;
  readonly first_seen: string;
  readonly last_seen: string;
}

const unbounded = Number.MAX_SAFE_INTEGER;
const mergeWalks = (a: Walk, b: Walk): Walk => mergeWalksOf(a, b);
const refOf = (r: { namespace: string; name: string }): NamedRef => ({
  namespace: r.namespace,
  name: r.name,
});

/** The read side of the SQLite lineage store, synchronous like the driver. */
export const createLineageQueries = (
  db: Database,
  traversal: ReturnType<typeof createTraversal>,
  pii: ReturnType<typeof createPii>,
  symlinks: ReturnType<typeof createSymlinkReader>,
) => {
  const datasetByName = db.prepare<[string, string], NodeRow & { data_source: string | null }>(
    'SELECT id, namespace, name, first_seen, last_seen, data_source FROM lineage_datasets WHERE namespace = ? AND name = ?',
  );
  const datasetById = db.prepare<[number], NodeRow & { data_source: string | null }>(
    'SELECT id, namespace, name, first_seen, last_seen, data_source FROM lineage_datasets WHERE id = ?',
  );
  /** The dataset a name stands for: the one that won it as an alias, else the one so named. */
  const datasetRow = {
    get: (namespace: string, name: string) => {
      const owner = symlinks.ownerOf({ namespace, name });
      return owner === undefined ? datasetByName.get(namespace, name) : datasetById.get(owner);
    },
  };
  /** A dataset and the datasets named by its aliases. */
  const groupOf = (id: number): number[] => [id, ...(symlinks.mates([id]).get(id) ?? [])];
  const jobRow = db.prepare<[string, string], NodeRow & { facets: string }>(
    'SELECT id, namespace, name, first_seen, last_seen, facets FROM lineage_jobs WHERE namespace = ? AND name = ?',
  );
  const datasetsById = db.prepare<[string], NodeRow>(
    'SELECT id, namespace, name, first_seen, last_seen FROM lineage_datasets WHERE id IN (SELECT value FROM json_each(?))',
  );
  const jobsById = db.prepare<[string], NodeRow>(
    'SELECT id, namespace, name, first_seen, last_seen FROM lineage_jobs WHERE id IN (SELECT value FROM json_each(?))',
  );
  const nodeQuery = (table: string) =>
    db
      .prepare<[string], [number, string, string, string | null, string | null]>(
        `SELECT id, namespace, name, first_seen, last_seen FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`,
      )
      .raw();
  const datasetNodes = nodeQuery('lineage_datasets');
  const jobNodes = nodeQuery('lineage_jobs');
  const schemaAsOf = db.prepare<
    { id: number; asOf: string | null },
    { version: number; fields: string; observed_at: string }
  >(
    `SELECT version, fields, observed_at FROM lineage_schema_versions
     WHERE dataset_id = @id AND (@asOf IS NULL OR observed_at <= @asOf) ORDER BY observed_at DESC, version DESC LIMIT 1`,
  );
  const otherFields = db.prepare<{ id: number; asOf: string | null }, { field: string }>(
    `SELECT to_field AS field FROM lineage_column_edges WHERE to_dataset = @id AND (@asOf IS NULL OR valid_from <= @asOf)
     UNION SELECT from_field FROM lineage_column_edges WHERE from_dataset = @id AND (@asOf IS NULL OR valid_from <= @asOf)
     UNION SELECT field FROM lineage_tags WHERE dataset_id = @id AND field <> ''`,
  );
  const sourceFields = db.prepare<[number], { field: string }>(
    'SELECT DISTINCT from_field AS field FROM lineage_column_edges WHERE from_dataset = ?',
  );
  const jobDatasets = (table: string) =>
    db.prepare<[number], NamedRef>(
      `SELECT d.namespace, d.name FROM ${table} e JOIN lineage_datasets d ON d.id = e.dataset_id WHERE e.job_id = ? ORDER BY d.namespace, d.name`,
    );
  const jobInputs = jobDatasets('lineage_inputs');
  const jobOutputs = jobDatasets('lineage_outputs');
  const latestRun = db.prepare<[number], RunSummary & { runId: string }>(
    `SELECT run_id AS runId, state, started_at AS startedAt, ended_at AS endedAt FROM lineage_runs
     WHERE job_id = ? ORDER BY COALESCE(started_at, first_seen) DESC, first_seen DESC, run_id DESC LIMIT 1`,
  );
  const runRow = db.prepare<[string], RunRow>(
    `SELECT r.*, j.namespace AS job_namespace, j.name AS job_name FROM lineage_runs r JOIN lineage_jobs j ON j.id = r.job_id WHERE r.run_id = ?`,
  );
  const runDatasets = db.prepare<[string, string], NamedRef>(
    `SELECT d.namespace, d.name FROM lineage_run_datasets r JOIN lineage_datasets d ON d.id = r.dataset_id
     WHERE r.run_id = ? AND r.role = ? ORDER BY d.namespace, d.name`,
  );

  const existsAsOf = (row: NodeRow | undefined, asOf: string | null): row is NodeRow =>
    row !== undefined && (asOf === null || (row.first_seen !== null && row.first_seen <= asOf));

  const datasetFields = (id: number, asOf: string | null) => {
    const found = schemaAsOf.get({ id, asOf });
    const version = found?.fields === deletedSchema ? undefined : found;
    const schema = version ? (JSON.parse(version.fields) as SchemaFieldRecord[]) : [];
    const names = new Set(schema.map((f) => f.name));
    const extra = [
      ...new Set(groupOf(id).flatMap((g) => otherFields.all({ id: g, asOf }).map((r) => r.field))),
    ]
      .filter((f) => !names.has(f))
      .sort();
    return { version, schema, extra };
  };

  const dataset = (ref: DatasetRef, asOfArg?: string): DatasetView | null => {
    const asOf = checkAsOf(asOfArg);
    const row = datasetRow.get(ref.namespace, ref.name);
    if (!existsAsOf(row, asOf)) return null;
    const { version, schema, extra } = datasetFields(row.id, asOf);
    const columns = [
      ...schema.map((f) => ({
        name: f.name,
        type: f.type ?? null,
        description: f.description ?? null,
        inSchema: true,
      })),
      ...extra.map((name) => ({ name, type: null, description: null, inSchema: false })),
    ];
    const tagsByField = pii.columnTags(
      row.id,
      columns.map((c) => c.name),
      asOf,
    );
    const own = pii.datasetTags(row.id, asOf);
    const present = pii.present([own, ...tagsByField.values()]);
    const fields: DatasetFieldView[] = columns.map((c) => ({
      ...c,
      tags: present(tagsByField.get(c.name) ?? emptyTags()),
    }));
    return {
      namespace: row.namespace,
      name: row.name,
      firstSeenAt: row.first_seen,
      lastSeenAt: row.last_seen,
      dataSource:
        row.data_source === null
          ? null
          : (JSON.parse(row.data_source) as DatasetView['dataSource']),
      schema: version ? { version: version.version, observedAt: version.observed_at } : null,
      fields,
      tags: present(own),
      symlinks: symlinks.aliasesOf(row.id),
    };
  };

  const job = (ref: NamedRef): JobView | null => {
    const row = jobRow.get(ref.namespace, ref.name);
    if (!row) return null;
    const run = latestRun.get(row.id);
    return {
      namespace: row.namespace,
      name: row.name,
      firstSeenAt: row.first_seen!,
      lastSeenAt: row.last_seen!,
      facets: JSON.parse(row.facets) as Record<string, unknown>,
      inputs: jobInputs.all(row.id),
      outputs: jobOutputs.all(row.id),
      latestRun: run ?? null,
    };
  };

  const run = (runId: string): RunView | null => {
    const r = runRow.get(runId.toLowerCase());
    if (!r) return null;
    return {
      runId: r.run_id,
      job: { namespace: r.job_namespace, name: r.job_name },
      state: r.state,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      facets: JSON.parse(r.facets) as Record<string, unknown>,
      parent:
        r.parent_run_id === null
          ? null
          : {
              runId: r.parent_run_id,
              job: { namespace: r.parent_job_namespace!, name: r.parent_job_name! },
            },
      inputs: runDatasets.all(r.run_id, 'input'),
      outputs: runDatasets.all(r.run_id, 'output'),
      firstSeenAt: r.first_seen,
      lastSeenAt: r.last_seen,
    };
  };

  const lineage = (q: LineageQuery): LineageGraph => {
    checkDepth(q.depth);
    const asOf = checkAsOf(q.asOf);
    const start = (q.node.kind === 'dataset' ? datasetRow : jobRow).get(
      q.node.namespace,
      q.node.name,
    );
    if (!existsAsOf(start, asOf)) return { nodes: [], edges: [] };
    const maxHops = q.node.kind === 'dataset' ? 2 * q.depth : Math.max(0, 2 * q.depth - 1);
    const walk = ways(q.direction)
      .map((way) => traversal.walk({ kind: q.node.kind, id: start.id }, way, maxHops, asOf))
      .reduce(mergeWalks);
    const nodesOf = (
      kind: LineageNodeKind,
      stmt: typeof datasetNodes,
      ids: Iterable<number>,
    ): Map<number, LineageNode> => {
      const out = new Map<number, LineageNode>();
      for (const [id, namespace, name, firstSeenAt, lastSeenAt] of stmt.all(
        JSON.stringify([...ids]),
      )) {
        out.set(id, { kind, namespace, name, firstSeenAt, lastSeenAt });
      }
      return out;
    };
    const datasets = nodesOf('dataset', datasetNodes, walk.datasets.keys());
    const jobs = nodesOf('job', jobNodes, walk.jobs.keys());
    const refs = new Map<LineageNode, LineageNodeRef>();
    const refTo = (n: LineageNode): LineageNodeRef => {
      let r = refs.get(n);
      if (!r) refs.set(n, (r = { kind: n.kind, namespace: n.namespace, name: n.name }));
      return r;
    };
    const edges = walk.edges.map((e): LineageEdge => {
      const d = refTo(datasets.get(e.datasetId)!);
      const j = refTo(jobs.get(e.jobId)!);
      return {
        from: e.input ? d : j,
        to: e.input ? j : d,
        validFrom: e.validFrom,
        lastSeenAt: e.lastSeen,
      };
    });
    return { nodes: [...datasets.values(), ...jobs.values()], edges };
  };

  const columnEdgeOf = (
    datasets: Map<number, NodeRow>,
    jobs: Map<number, NodeRow>,
    e: ColumnEdgeRow,
  ): ColumnEdge => ({
    from: { dataset: refOf(datasets.get(e.from_dataset)!), field: e.from_field },
    to: { dataset: refOf(datasets.get(e.to_dataset)!), field: e.to_field },
    job: refOf(jobs.get(e.job_id)!),
    transformations: JSON.parse(e.transformations) as ColumnTransformation[],
    carriesPii: e.carries_pii === 1,
    validFrom: e.valid_from,
    lastSeenAt: e.last_seen,
  });

  const columnGraphNames = (edges: Iterable<ColumnEdgeRow>, datasetIds: Iterable<number>) => {
    const jobIds = new Set<number>();
    const ids = new Set(datasetIds);
    for (const e of edges) {
      ids.add(e.from_dataset);
      ids.add(e.to_dataset);
      jobIds.add(e.job_id);
    }
    return {
      datasets: new Map(datasetsById.all(JSON.stringify([...ids])).map((r) => [r.id, r])),
      jobs: new Map(jobsById.all(JSON.stringify([...jobIds])).map((r) => [r.id, r])),
    };
  };

  const columnLineage = (q: ColumnLineageQuery): ColumnLineageGraph => {
    checkDepth(q.depth);
    const asOf = checkAsOf(q.asOf);
    const start = datasetRow.get(q.dataset.namespace, q.dataset.name);
    if (!existsAsOf(start, asOf)) return { nodes: [], edges: [] };
    const columns = new Map<string, { datasetId: number; field: string }>();
    const edges = new Map<string, ColumnEdgeRow>();
    for (const way of ways(q.direction)) {
      const walk = traversal.columnWalk(
        [{ datasetId: start.id, field: q.field }],
        way,
        q.depth,
        asOf,
      );
      for (const [k, c] of walk.columns) columns.set(k, c.column);
      for (const [k, e] of walk.edges) edges.set(k, e);
    }
    const names = columnGraphNames(
      edges.values(),
      [...columns.values()].map((c) => c.datasetId),
    );
    return {
      nodes: [...columns.values()].map((c) => ({
        dataset: refOf(names.datasets.get(c.datasetId)!),
        field: c.field,
      })),
      edges: [...edges.values()].map((e) => columnEdgeOf(names.datasets, names.jobs, e)),
    };
  };

  const impact = (ref: DatasetRef): ImpactView => {
    const row = datasetRow.get(ref.namespace, ref.name);
    if (!row) return { dataset: refOf(ref), datasets: [], columns: [] };
    const group = new Set(groupOf(row.id));
    const datasetTags = pii.datasetTags(row.id, null);
    const downstream = traversal.walk(
      { kind: 'dataset', id: row.id },
      'DOWNSTREAM',
      unbounded,
      null,
    );
    const fields = [...new Set([...group].flatMap((g) => sourceFields.all(g).map((r) => r.field)))];
    const startTags = pii.columnTags(row.id, fields, null);
    const walk = traversal.columnWalk(
      fields.map((field) => ({ datasetId: row.id, field })),
      'DOWNSTREAM',
      unbounded,
      null,
    );
    const tags = new Map<string, TagSet>();
    for (const [field, set] of startTags)
      for (const datasetId of group) tags.set(columnKey({ datasetId, field }), set);
    const next = new Map<string, string[]>();
    for (const e of walk.edges.values()) {
      if (e.carries_pii === 0) continue;
      const from = columnKey({ datasetId: e.from_dataset, field: e.from_field });
      const to = columnKey({ datasetId: e.to_dataset, field: e.to_field });
      const list = next.get(from);
      if (list) list.push(to);
      else next.set(from, [to]);
    }
    addLinks(next, walk.sameAs);
    spreadTags(tags, next);
    const names = columnGraphNames(walk.edges.values(), [
      ...downstream.datasets.keys(),
      ...[...walk.columns.values()].map((c) => c.column.datasetId),
    ]);
    const present = pii.present([datasetTags, ...tags.values()]);
    const datasetTagList = present(datasetTags);
    const datasets = [...downstream.datasets]
      .filter(([id]) => !group.has(id))
      .map(([id, hops]) => ({
        dataset: refOf(names.datasets.get(id)!),
        distance: hops / 2,
        tags: datasetTagList,
      }))
      .sort((a, b) => a.distance - b.distance || byName(a.dataset, b.dataset));
    const columns = [...walk.columns.entries()]
      .filter(([, c]) => !group.has(c.column.datasetId))
      .map(([key, c]) => ({
        column: { dataset: refOf(names.datasets.get(c.column.datasetId)!), field: c.column.field },
        distance: c.distance,
        tags: present(tags.get(key) ?? emptyTags()),
      }))
      .sort(
        (a, b) =>
          a.distance - b.distance ||
          byName(a.column.dataset, b.column.dataset) ||
          a.column.field.localeCompare(b.column.field),
      );
    return { dataset: refOf(row), datasets, columns };
  };

  return { dataset, job, run, lineage, columnLineage, impact };
};
