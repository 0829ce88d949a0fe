import { jsonHygieneIssue, MAX_JSON_DEPTH } from './json-hygiene.js';
import { OpenLineageRunEventTypes } from './events/lineage.js';
import {
  checkDatasetFacets,
  checkOtherFacets,
  checkRunFacets,
  type ColumnLineageDatasetFacet,
  type DataSourceDatasetFacet,
  type DeletedFacet,
  type ParentRunFacet,
  type SchemaDatasetFacet,
  type TagsDatasetFacet,
} from './openlineage-facets.js';
import {
  checkDateTime,
  checkEach,
  checkEnum,
  checkName,
  checkObject,
  checkUri,
  checkUuid,
  isObject,
  optional,
  pointer,
  required,
  type Issues,
  type JsonObject,
} from './openlineage-check.js';
import { err, ok, type Result } from './result.js';
import type { ValidationIssue } from './validation.js';

export type OpenLineageEventType = (typeof OpenLineageRunEventTypes)[number];
export type OpenLineageKind = 'RunEvent' | 'DatasetEvent' | 'JobEvent';

/** Facets stay open: any name, any extra property. Those gouvernail reads are typed. */
export interface DatasetFacets {
  readonly schema?: SchemaDatasetFacet | DeletedFacet;
  readonly columnLineage?: ColumnLineageDatasetFacet | DeletedFacet;
  readonly dataSource?: DataSourceDatasetFacet | DeletedFacet;
  readonly tags?: TagsDatasetFacet | DeletedFacet;
  readonly [facet: string]: unknown;
}

export interface RunFacets {
  readonly parent?: ParentRunFacet;
  readonly [facet: string]: unknown;
}

export type OtherFacets = Readonly<Record<string, unknown>>;

export interface OpenLineageDataset {
  readonly namespace: string;
  readonly name: string;
  readonly facets?: DatasetFacets;
}
export interface OpenLineageInputDataset extends OpenLineageDataset {
  readonly inputFacets?: OtherFacets;
}
export interface OpenLineageOutputDataset extends OpenLineageDataset {
  readonly outputFacets?: OtherFacets;
}
export interface OpenLineageJob {
  readonly namespace: string;
  readonly name: string;
  readonly facets?: OtherFacets;
}

interface BaseEvent {
  readonly eventTime: string;
  readonly producer: string;
  readonly schemaURL: string;
}

/** An observed state transition of a job run (OpenLineage 2-0-2 `RunEvent`). */
export interface OpenLineageRunEvent extends BaseEvent {
  readonly eventType?: OpenLineageEventType;
  readonly run: { readonly runId: string; readonly facets?: RunFacets };
  readonly job: OpenLineageJob;
  readonly inputs?: readonly OpenLineageInputDataset[];
  readonly outputs?: readonly OpenLineageOutputDataset[];
}

/** Metadata about a dataset outside any run (OpenLineage 2-0-2 `DatasetEvent`). */
export interface OpenLineageDatasetEvent extends BaseEvent {
  readonly dataset: OpenLineageDataset;
}

/** Metadata about a job outside any run, with its static inputs and outputs (`JobEvent`). */
export interface OpenLineageJobEvent extends BaseEvent {
  readonly job: OpenLineageJob;
  readonly inputs?: readonly OpenLineageDataset[];
  readonly outputs?: readonly OpenLineageDataset[];
}

export type ValidOpenLineage =
  | { readonly kind: 'RunEvent'; readonly event: OpenLineageRunEvent }
  | { readonly kind: 'DatasetEvent'; readonly event: OpenLineageDatasetEvent }
  | { readonly kind: 'JobEvent'; readonly event: OpenLineageJobEvent };

const kindFromSchemaUrl = (schemaURL: unknown): OpenLineageKind | undefined => {
  if (typeof schemaURL !== 'string') return undefined;
  const m = /#\/(?:\$defs|definitions)\/(RunEvent|DatasetEvent|JobEvent)$/.exec(schemaURL);
  return m?.[1] as OpenLineageKind | undefined;
};

/**
 * Which of the three event kinds an object claims to be: the `schemaURL` fragment when it names
 * one, else a RunEvent when it has `run` or `eventType`, a DatasetEvent when it has `dataset`,
 * a JobEvent when it has `job`.
 */
const kindOf = (e: JsonObject): OpenLineageKind | undefined =>
  kindFromSchemaUrl(e.schemaURL) ??
  (e.run !== undefined || e.eventType !== undefined
    ? 'RunEvent'
    : e.dataset !== undefined
      ? 'DatasetEvent'
      : e.job !== undefined
        ? 'JobEvent'
        : undefined);

type Check = (issues: Issues, v: unknown, path: string) => boolean;

const checkNamed =
  (facets: Record<string, Check>): Check =>
  (issues, v, path) => {
    if (!checkObject(issues, v, path)) return false;
    const before = issues.length;
    for (const key of ['namespace', 'name']) {
      if (required(issues, v, key, path)) checkName(issues, v[key], pointer(path, key));
    }
    for (const [key, check] of Object.entries(facets)) optional(issues, v, key, path, check);
    return issues.length === before;
  };

const checkDataset = checkNamed({ facets: checkDatasetFacets });
const checkInput = checkNamed({ facets: checkDatasetFacets, inputFacets: checkOtherFacets });
const checkOutput = checkNamed({ facets: checkDatasetFacets, outputFacets: checkOtherFacets });
const checkJob = checkNamed({ facets: checkOtherFacets });

const checkRun: Check = (issues, v, path) => {
  if (!checkObject(issues, v, path)) return false;
  const before = issues.length;
  if (required(issues, v, 'runId', path)) checkUuid(issues, v.runId, pointer(path, 'runId'));
  optional(issues, v, 'facets', path, checkRunFacets);
  return issues.length === before;
};

const eachOf =
  (check: Check): Check =>
  (issues, v, path) =>
    checkEach(issues, v, path, check);

const checkBase = (issues: Issues, e: JsonObject): void => {
  if (required(issues, e, 'eventTime', '')) checkDateTime(issues, e.eventTime, '/eventTime');
  if (required(issues, e, 'producer', '')) checkUri(issues, e.producer, '/producer');
  if (required(issues, e, 'schemaURL', '')) checkUri(issues, e.schemaURL, '/schemaURL');
};

const checkByKind: Record<OpenLineageKind, (issues: Issues, e: JsonObject) => void> = {
  RunEvent: (issues, e) => {
    optional(issues, e, 'eventType', '', (i, t, p) => checkEnum(i, t, OpenLineageRunEventTypes, p));
    if (required(issues, e, 'run', '')) checkRun(issues, e.run, '/run');
    if (required(issues, e, 'job', '')) checkJob(issues, e.job, '/job');
    optional(issues, e, 'inputs', '', eachOf(checkInput));
    optional(issues, e, 'outputs', '', eachOf(checkOutput));
  },
  DatasetEvent: (issues, e) => {
    if (required(issues, e, 'dataset', '')) checkDataset(issues, e.dataset, '/dataset');
  },
  JobEvent: (issues, e) => {
    if (required(issues, e, 'job', '')) checkJob(issues, e.job, '/job');
    optional(issues, e, 'inputs', '', eachOf(checkDataset));
    optional(issues, e, 'outputs', '', eachOf(checkDataset));
  },
};

const maxIssues = 20;

/**
 * Checks an OpenLineage event (object model 2-0-2) as a client POSTs it: `eventTime`
 * (RFC 3339 with offset), `producer` and `schemaURL` (URIs) always; for a RunEvent `run.runId`
 * (UUID), `job.namespace`/`job.name` and the optional `eventType`; for a DatasetEvent `dataset`; for
 * a JobEvent `job`. Facets are open (any name, extra properties allowed; `_producer`/`_schemaURL`
 * are checked when present but not required), except the ones the lineage graph reads:
 * `schema`, `columnLineage`, `dataSource`, `tags` on datasets and `parent` on runs.
 * Each issue names the JSON pointer of the offending field, e.g. `/run/runId: must be a UUID`.
 */
export const validateOpenLineage = (
  input: unknown,
): Result<ValidOpenLineage, ValidationIssue[]> => {
  if (!isObject(input)) return err([{ path: '/', message: 'must be an object' }]);
  // The envelope holds the event two levels down (`/data/event`): leave it room for them.
  const unstorable = jsonHygieneIssue(input, MAX_JSON_DEPTH - 2);
  if (unstorable) return err([unstorable]);
  return checkOpenLineage(input);
};

/**
 * {@link validateOpenLineage} for an event inside an envelope that `validateNewEvent` has already
 * walked for storability (depth, numbers, surrogates): only the OpenLineage checks.
 */
export const checkOpenLineage = (input: unknown): Result<ValidOpenLineage, ValidationIssue[]> => {
  if (!isObject(input)) return err([{ path: '/', message: 'must be an object' }]);
  const kind = kindOf(input);
  if (kind === undefined) {
    return err([
      {
        path: '/',
        message: 'must be a RunEvent (run, job), a DatasetEvent (dataset) or a JobEvent (job)',
      },
    ]);
  }
  const issues: Issues = [];
  checkBase(issues, input);
  checkByKind[kind](issues, input);
  if (issues.length > 0) return err(issues.slice(0, maxIssues));
  return ok({ kind, event: input } as unknown as ValidOpenLineage);
};

/** `path: message` for each issue, the form the HTTP boundary reports. */
export const describeIssues = (issues: readonly ValidationIssue[]): string[] =>
  issues.map((i) => `${i.path}: ${i.message}`);
