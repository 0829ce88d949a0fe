import { createHash } from 'node:crypto';
import type { TaskSpec } from '../../domain/erasure/decider.js';
import { clipText } from '../../domain/text.js';
import type { AccessHistoryReadModel } from '../../projections/access/ports.js';
import type { ClassifiedDataset } from '../../projections/erasure/ports.js';
import type { DatasetRef, LineageReadModel } from '../../projections/lineage/ports.js';

/** gouvernail's own stores, erased by the built-in executors (see `execute.ts`), in this order. */
export const builtinTasks = {
  readModels: 'gouvernail:read-models',
  sealedCiphertext: 'gouvernail:sealed-ciphertext',
  subjectKeys: 'gouvernail:subject-keys',
} as const;
export type BuiltinTaskId = (typeof builtinTasks)[keyof typeof builtinTasks];

const builtinSpecs: readonly TaskSpec[] = [
  {
    taskId: builtinTasks.readModels,
    system: 'gouvernail',
    target: builtinTasks.readModels,
    executor: 'builtin',
    reason: "purge the subject from gouvernail's read models (access history by subject)",
  },
  {
    taskId: builtinTasks.sealedCiphertext,
    system: 'gouvernail',
    target: builtinTasks.sealedCiphertext,
    executor: 'builtin',
    reason: "delete the ciphertext of the subject's sealed personal fields beside the log",
  },
  {
    taskId: builtinTasks.subjectKeys,
    system: 'gouvernail',
    target: builtinTasks.subjectKeys,
    executor: 'builtin',
    reason:
      "destroy the subject's data keys (crypto-shredding of every sealed field, backups included)",
  },
];

/** A dataset as one URI-like target: `kafka://prod-eu` + `orders` → `kafka://prod-eu/orders`. */
export const datasetTarget = (d: DatasetRef): string => {
  const ns = d.namespace.replace(/\/+$/, '');
  const name = d.name.replace(/^\/+/, '');
  return ns.includes('://') ? `${ns}/${name}` : `${ns}://${name}`;
};

const lakeSchemes = new Set([
  's3',
  's3a',
  's3n',
  'gs',
  'gcs',
  'abfs',
  'abfss',
  'wasbs',
  'hdfs',
  'file',
  'parquet',
  'delta',
  'iceberg',
  'hive',
]);
const schemeAliases: Readonly<Record<string, string>> = {
  'mongodb+srv': 'mongodb',
  mongo: 'mongodb',
  postgresql: 'postgres',
  'kafka+ssl': 'kafka',
};

/**
 * The system that erases a target, from its URI scheme: `kafka`, `mongodb`, `cassandra`,
 * `streamlit`, `postgres` …; files and lake tables (s3, gs, abfss, hdfs, file, parquet, delta,
 * iceberg, hive) go to `spark`, whose erase job rewrites them.
 */
export const systemOf = (target: string): string => {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target)?.[1]?.toLowerCase() ?? 'unknown';
  if (lakeSchemes.has(scheme)) return 'spark';
  return schemeAliases[scheme] ?? scheme;
};

/** A stable task id for an external target, so locating twice issues the same tasks. */
export const taskIdOf = (target: string): string =>
  `ext-${createHash('sha256').update(target).digest('base64url').slice(0, 22)}`;

export interface LocateDeps {
  readonly subject: string;
  readonly access: Pick<AccessHistoryReadModel, 'accessHistory'>;
  readonly lineage: Pick<LineageReadModel, 'impact' | 'dataset'>;
  /** Datasets with PII tags on them or their columns (`ErasureCaseReadModel.classifiedDatasets()`). */
  readonly classifications: readonly ClassifiedDataset[];
  /** Access-history pages to read at most (500 rows each); default 1000. */
  readonly maxAccessPages?: number;
}

const sameRef = (a: DatasetRef, b: DatasetRef): boolean =>
  a.namespace === b.namespace && a.name === b.name;

/**
 * The other names of `dataset` (its `symlinks` facet) that are datasets in their own right (they
 * answer for themselves): `impact` walks them as the same dataset and leaves them out of its list.
 */
const namesOfTheirOwn = async (
  lineage: LocateDeps['lineage'],
  dataset: DatasetRef,
): Promise<DatasetRef[]> => {
  const out: DatasetRef[] = [];
  for (const other of (await lineage.dataset(dataset))?.symlinks ?? []) {
    const found = await lineage.dataset(other);
    if (found && sameRef(found, other)) out.push(other);
  }
  return out;
};

const ACCESS_PAGE = 500;
const MAX_REASON = 2048;
/** `ErasureTaskIssued.target` is at most 512 characters; the task id hashes the full target. */
const MAX_TARGET = 512;

/**
 * Where the subject's data may be, as erasure tasks: one per dataset or store, plus gouvernail's
 * three built-in tasks (read models, sealed ciphertext, subject keys).
 *
 * gouvernail does not know which rows of a dataset hold the subject, so it errs on the side of
 * asking too many systems rather than too few. A task is issued for:
 * 1. every dataset with a PII tag on it or on one of its columns, put there by `DatasetClassified`
 *    or by an OpenLineage `tags` facet: it holds personal data, perhaps the subject's; a tag put
 *    under another name of a dataset (its `symlinks` facet, e.g. a table name) names the dataset too,
 *    and a tag on a dataset names those of its other names that are datasets in their own right;
 * 2. every dataset downstream of such a dataset in the lineage graph (`lineage.impact`), at any
 *    distance and whatever the column transformations: a job reading personal data may have copied
 *    it, or derived rows keyed by the subject (a filter or join on the subject id is INDIRECT for
 *    PII tags, yet its output can still hold the subject's rows);
 * 3. every resource in the subject's access history (any action, allowed or denied), except
 *    gouvernail's own `gouvernail://` resources, which the built-in tasks cover: it was recorded as
 *    touching the subject, tagged or not.
 * Datasets only upstream of tagged ones, and untagged datasets nobody recorded touching the
 * subject, get no task. Copies the lineage graph never saw (ad-hoc exports, backups) are out of
 * reach; the certificate says so.
 *
 * Access history must be read before the subject's keys are destroyed: the access projection drops
 * a subject's rows on `SubjectKeyDestroyed`.
 */
export const locateSubjectData = async (deps: LocateDeps): Promise<TaskSpec[]> => {
  const reasons = new Map<string, string[]>();
  const note = (target: string, reason: string): void => {
    const list = reasons.get(target);
    if (list) {
      if (!list.includes(reason)) list.push(reason);
    } else reasons.set(target, [reason]);
  };

  for (const c of deps.classifications) {
    if (c.tags.length === 0) continue;
    const source = datasetTarget(c.dataset);
    const where = c.fields.length > 0 ? ` (columns ${c.fields.join(', ')})` : '';
    note(source, `PII-tagged: ${c.tags.join(', ')}${where}`);
    const impact = await deps.lineage.impact(c.dataset);
    for (const same of [impact.dataset, ...(await namesOfTheirOwn(deps.lineage, impact.dataset))])
      if (datasetTarget(same) !== source)
        note(datasetTarget(same), `PII-tagged under its other name ${source}`);
    for (const d of impact.datasets) {
      note(
        datasetTarget(d.dataset),
        `downstream of PII-tagged ${source} (${d.distance} hop${d.distance === 1 ? '' : 's'})`,
      );
    }
    for (const col of impact.columns) {
      note(
        datasetTarget(col.column.dataset),
        `downstream of PII-tagged ${source} (column ${col.column.field})`,
      );
    }
  }

  let after: string | undefined;
  for (let page = 0; page < (deps.maxAccessPages ?? 1000); page++) {
    const p = await deps.access.accessHistory({
      subject: deps.subject,
      first: ACCESS_PAGE,
      ...(after ? { after } : {}),
    });
    for (const row of p.rows) {
      if (row.resource.startsWith('gouvernail://')) continue;
      note(row.resource, `in the subject's access history (${row.action}, ${row.decision})`);
    }
    if (!p.hasNextPage || p.endCursor === null) break;
    after = p.endCursor;
  }

  const external = [...reasons.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([target, why]): TaskSpec => ({
      taskId: taskIdOf(target),
      system: systemOf(target),
      target: truncate(target, MAX_TARGET),
      executor: 'external',
      reason: truncate(why.join('; '), MAX_REASON),
    }));
  return [...external, ...builtinSpecs];
};

/** `s` cut to `max` characters with an ellipsis, never between the halves of a surrogate pair. */
const truncate = (s: string, max: number): string =>
  s.length <= max ? s : `${clipText(s, max - 1)}…`;
