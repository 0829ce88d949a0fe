import type { OpenLineageEventType } from '../../domain/openlineage.js';
import type {
  ColumnTransformation,
  DataSourceDatasetFacet,
} from '../../domain/openlineage-facets.js';
import type { ProjectionStore } from '../ports.js';

/** A dataset or a job, named as OpenLineage names them. */
export interface NamedRef {
  readonly namespace: string;
  readonly name: string;
}
export type DatasetRef = NamedRef;
export type JobRef = NamedRef;

/** A column (field) of a dataset; nested struct members are named by their dotted path. */
export interface ColumnRef {
  readonly dataset: DatasetRef;
  readonly field: string;
}

export type LineageDirection = 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH';
export type LineageNodeKind = 'dataset' | 'job';

export interface LineageNodeRef extends NamedRef {
  readonly kind: LineageNodeKind;
}

/** Instants are UTC RFC 3339 strings with milliseconds, taken from the events' `eventTime`. */
export interface LineageNode extends LineageNodeRef {
  /** Null for a dataset known only from a classification. */
  readonly firstSeenAt: string | null;
  readonly lastSeenAt: string | null;
}

/** dataset → job (the job reads it) or job → dataset (the job writes it). */
export interface LineageEdge {
  readonly from: LineageNodeRef;
  readonly to: LineageNodeRef;
  /** `eventTime` of the earliest event that showed this edge. */
  readonly validFrom: string;
  readonly lastSeenAt: string;
}

export interface LineageGraph {
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
}

/**
 * A walk of the dataset → job → dataset graph from `node`.
 * `depth` counts dataset hops: from a dataset, depth d reaches the datasets at most d jobs away and
 * the jobs between them (2d edges); from a job, depth d reaches its outputs (or inputs) and
 * d − 1 further dataset hops (2d − 1 edges). Depth 0 returns the node alone. BOTH is the union of
 * the UPSTREAM and DOWNSTREAM walks. With `asOf`, edges first seen after that instant are ignored,
 * and a start node first seen after it gives an empty graph.
 */
export interface LineageQuery {
  readonly node: LineageNodeRef;
  readonly direction: LineageDirection;
  readonly depth: number;
  readonly asOf?: string;
}

export interface ColumnLineageQuery {
  readonly dataset: DatasetRef;
  readonly field: string;
  readonly direction: LineageDirection;
  /** Column hops. */
  readonly depth: number;
  readonly asOf?: string;
}

/** input column → output column, as declared by a `columnLineage` facet. */
export interface ColumnEdge {
  readonly from: ColumnRef;
  readonly to: ColumnRef;
  /** The job of the latest event that declared this edge. */
  readonly job: JobRef;
  /** As last declared; empty when the producer gave none. */
  readonly transformations: readonly ColumnTransformation[];
  /**
   * Whether PII tags flow along this edge: true once any declaration of it carried PII (gave no
   * transformations, or one that is not INDIRECT), and it stays true when a later declaration is all
   * INDIRECT, so PII seen flowing once keeps being located. False only when every declaration so far
   * was all INDIRECT.
   */
  readonly carriesPii: boolean;
  readonly validFrom: string;
  readonly lastSeenAt: string;
}

export interface ColumnLineageGraph {
  readonly nodes: readonly ColumnRef[];
  readonly edges: readonly ColumnEdge[];
}

export type PiiTagSource = 'classification' | 'openlineage';

/** Where a PII tag was put directly: a column, or a whole dataset when `field` is null. */
export interface PiiTagOrigin {
  readonly dataset: DatasetRef;
  readonly field: string | null;
  readonly source: PiiTagSource;
}

/** A PII tag and every place it was put directly from which it reaches this dataset or column. */
export interface PiiTag {
  readonly tag: string;
  readonly origins: readonly PiiTagOrigin[];
}

export interface DatasetFieldView {
  readonly name: string;
  readonly type: string | null;
  readonly description: string | null;
  /** False for a column known only from column lineage or a classification. */
  readonly inSchema: boolean;
  readonly tags: readonly PiiTag[];
}

export interface DatasetView extends NamedRef {
  readonly firstSeenAt: string | null;
  readonly lastSeenAt: string | null;
  /** The `dataSource` facet of the latest `eventTime`; null when none, or that one deleted it. */
  readonly dataSource: DataSourceDatasetFacet | null;
  /**
   * The schema version in force (as of `asOf`): the one observed latest at or before that instant,
   * a tie going to the one recorded later. Numbered from 1 per dataset in the order recorded, so a
   * late event can give a higher number an earlier `observedAt`. The current version is always the
   * latest event's schema; see `schemaResumed` for instants a late event leaves uncertain. Null
   * when none is in force, or the one in force is a deletion of the `schema` facet (`_deleted`).
   */
  readonly schema: { readonly version: number; readonly observedAt: string } | null;
  readonly fields: readonly DatasetFieldView[];
  /** Dataset-level tags, its own and those propagated from upstream datasets. */
  readonly tags: readonly PiiTag[];
  /** The other names this dataset is known by (its `symlinks` facet, see `LineageReadModel`), sorted. */
  readonly symlinks: readonly DatasetRef[];
}

export type RunState = 'STARTED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'ABORTED';

export interface RunSummary {
  readonly runId: string;
  readonly state: RunState | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
}

export interface JobView extends NamedRef {
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  /**
   * Job facets by name, each from the event with the latest `eventTime` (a tie: the later logged);
   * a facet whose latest event deleted it (`_deleted`) is absent.
   */
  readonly facets: Readonly<Record<string, unknown>>;
  readonly inputs: readonly DatasetRef[];
  readonly outputs: readonly DatasetRef[];
  readonly latestRun: RunSummary | null;
}

export interface RunView extends RunSummary {
  readonly job: JobRef;
  /** Run facets, merged by facet name, the latest event's facet winning. */
  readonly facets: Readonly<Record<string, unknown>>;
  readonly parent: { readonly runId: string; readonly job: JobRef } | null;
  readonly inputs: readonly DatasetRef[];
  readonly outputs: readonly DatasetRef[];
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
}

/** Everything downstream of a dataset, with the PII tags that flow to it through that dataset. */
export interface ImpactView {
  readonly dataset: DatasetRef;
  /** Downstream datasets, `distance` in dataset hops, with the dataset-level tags of the source that reach them. */
  readonly datasets: readonly {
    readonly dataset: DatasetRef;
    readonly distance: number;
    readonly tags: readonly PiiTag[];
  }[];
  /** Columns derived, transitively, from the source's columns, with the column tags that reach them. */
  readonly columns: readonly {
    readonly column: ColumnRef;
    readonly distance: number;
    readonly tags: readonly PiiTag[];
  }[];
}

/**
 * The lineage graph: datasets, jobs, runs, dataset and column lineage, schema versions and PII tags.
 *
 * PII propagation is computed when asked, from the current tags and the edges: a tag on a column
 * reaches every column derived from it through column lineage, transitively, except along edges
 * whose transformations are all INDIRECT (filters, joins, sorts: the value itself is not copied);
 * a dataset-level tag reaches every downstream dataset through dataset lineage. Nothing else gets
 * tags. Cycles are walked once.
 *
 * A dataset's `symlinks` facet gives it other names (openlineage-spark names a table by its storage
 * path and gives `default.cust_tbl` as a symlink). A name claimed so stands for the claiming
 * dataset: every query naming it answers for that dataset, unless the dataset of that name gives
 * itself other names (its own `symlinks` facet in force claims one): that one is a dataset in its
 * own right and answers for itself, so two datasets naming each other each answer for their own
 * name. A name only classified, or only used by jobs, still stands for the claiming dataset. A walk
 * reaching the dataset, or a dataset named by one of its aliases (another producer may use the table
 * name), reaches the others at the same distance, and a PII tag put under an alias is the dataset's,
 * whether the classification came before or after the claim; an alias known only from a
 * classification is not a node of the walks. When two datasets claim one name, the claim with the
 * latest `eventTime` wins (on a tie, the later in the log); each dataset's claims are those of its
 * `symlinks` facet with the latest `eventTime`, `_deleted` removing them. Aliases are resolved as
 * they are now, also for queries `asOf` an instant.
 */
export interface LineageReadModel {
  /** A dataset with its schema (as of `asOf`), columns and tags, or null when unknown. */
  dataset(ref: DatasetRef, asOf?: string): Promise<DatasetView | null>;
  job(ref: JobRef): Promise<JobView | null>;
  run(runId: string): Promise<RunView | null>;
  lineage(query: LineageQuery): Promise<LineageGraph>;
  columnLineage(query: ColumnLineageQuery): Promise<ColumnLineageGraph>;
  impact(dataset: DatasetRef): Promise<ImpactView>;
}

export interface SchemaFieldRecord {
  readonly name: string;
  readonly type?: string;
  readonly description?: string;
}

/**
 * What the lineage projection asks a store to do. Every change is an upsert whose result does not
 * depend on the order events arrive in, except where noted: first/last-seen instants are min/max of
 * event times; run state follows the latest `eventTime` (on a tie FAIL > ABORT > COMPLETE > RUNNING > START);
 * job facets follow the latest `eventTime` per facet name (on a tie, log order), and so does a
 * dataset's `dataSource` facet; the schema in force at an instant is the one observed latest at or
 * before it (on a tie, log order), though version numbers and `observedAt` record arrival; run
 * facets and tag sets follow log order.
 */
export type LineageChange =
  | {
      readonly kind: 'datasetSeen';
      readonly dataset: DatasetRef;
      readonly at: string;
      /** The one with the latest `at` is kept (a tie: the later logged); null: deleted (`_deleted`). */
      readonly dataSource?: DataSourceDatasetFacet | null;
    }
  | {
      readonly kind: 'jobSeen';
      readonly job: JobRef;
      readonly at: string;
      /** By name; null: the facet was deleted (`_deleted`), as of `at` like any other. */
      readonly facets: Readonly<Record<string, unknown>>;
    }
  /**
   * A new schema version when `fields` differ from the version in force at `at`. `fields` null:
   * the facet was deleted, a version of its own (no schema) unless none is in force at `at`.
   */
  | {
      readonly kind: 'schemaObserved';
      readonly dataset: DatasetRef;
      readonly fields: readonly SchemaFieldRecord[] | null;
      readonly at: string;
    }
  | {
      readonly kind: 'runObserved';
      readonly runId: string;
      readonly job: JobRef;
      readonly eventType: OpenLineageEventType | null;
      readonly at: string;
      readonly facets: Readonly<Record<string, unknown>>;
      readonly parent: { readonly runId: string; readonly job: JobRef } | null;
      readonly inputs: readonly DatasetRef[];
      readonly outputs: readonly DatasetRef[];
    }
  | {
      readonly kind: 'inputObserved';
      readonly dataset: DatasetRef;
      readonly job: JobRef;
      readonly at: string;
    }
  | {
      readonly kind: 'outputObserved';
      readonly job: JobRef;
      readonly dataset: DatasetRef;
      readonly at: string;
    }
  | {
      readonly kind: 'columnDerived';
      readonly from: ColumnRef;
      readonly to: ColumnRef;
      readonly job: JobRef;
      readonly transformations: readonly ColumnTransformation[];
      readonly carriesPii: boolean;
      readonly at: string;
    }
  /** Replaces the classification tags of a dataset (`field` null) or of one column; [] clears them. */
  | {
      readonly kind: 'piiClassified';
      readonly dataset: DatasetRef;
      readonly field: string | null;
      readonly tags: readonly string[];
    }
  /**
   * The other names a dataset's `symlinks` facet gives it, replacing the names it claimed before; []
   * removes them. A declaration with an `eventTime` before the dataset's latest one changes nothing.
   */
  | {
      readonly kind: 'symlinksDeclared';
      readonly dataset: DatasetRef;
      readonly symlinks: readonly DatasetRef[];
      readonly at: string;
    }
  /**
   * PII tags from a `tags` facet. `replace` (the facet of a job's output or of a DatasetEvent's
   * dataset, with at least one `pii` entry: the writer's word) replaces every tag a `tags` facet put
   * on the dataset and its columns, [] clearing them; `add` (the facet of a job's input: a reader's
   * word) only adds. Classification tags are never touched.
   */
  | {
      readonly kind: 'piiTagsFaceted';
      readonly dataset: DatasetRef;
      readonly mode: 'replace' | 'add';
      readonly tags: readonly { readonly field: string | null; readonly tag: string }[];
    };

/** A lineage store: the projection store and the read model over the same data. */
export type LineageStore = ProjectionStore<LineageChange> & LineageReadModel;
