import type { Static, TSchema } from '@sinclair/typebox';
import { AccessRecordedV1 } from './events/access.js';
import { ConfigChangedV1 } from './events/config.js';
import {
  ErasureCertifiedV1,
  ErasureExemptionRecordedV1,
  ErasureExtendedV1,
  ErasureRequestedV1,
  ErasureTaskCompletedV1,
  ErasureTaskIssuedV1,
  SubjectKeyDestroyedV1,
} from './events/erasure.js';
import { CheckpointPublishedV1, RetentionPolicySetV1 } from './events/governance.js';
import { DatasetClassifiedV1, LineageRunEventV1 } from './events/lineage.js';
import type { RecordedEnvelope } from './envelope.js';

/**
 * One entry per event type: its schema per version, upcasters from each old version to the next,
 * and the stream (aggregate) an event belongs to. Stored events are never rewritten: a new shape is a
 * new version plus an upcaster, applied when the event is read.
 */
interface CatalogueEntry<S extends TSchema> {
  readonly current: number;
  readonly versions: Readonly<Record<number, TSchema>>;
  readonly upcasters: Readonly<Record<number, (data: unknown) => unknown>>;
  readonly stream: (data: Static<S>) => string;
  readonly description: string;
}

const entry = <S extends TSchema>(
  schema: S,
  stream: (data: Static<S>) => string,
  description: string,
): CatalogueEntry<S> => ({
  current: 1,
  versions: { 1: schema },
  upcasters: {},
  stream,
  description,
});

const datasetKey = (d: { namespace: string; name: string }): string => `${d.namespace}/${d.name}`;

export const catalogue = {
  AccessRecorded: entry(
    AccessRecordedV1,
    (d) => `resource:${d.resource}`,
    'Someone accessed, or was refused, a resource',
  ),
  ConfigChanged: entry(
    ConfigChangedV1,
    (d) => `config:${d.component}/${d.target}`,
    'A setting, ACL or retention changed',
  ),
  LineageRunEvent: entry(
    LineageRunEventV1,
    (d) =>
      d.event.run
        ? `run:${d.event.run.runId}`
        : d.event.dataset
          ? `dataset:${datasetKey(d.event.dataset)}`
          : `job:${d.event.job ? datasetKey(d.event.job) : 'unknown'}`,
    'An OpenLineage run, dataset or job event as received',
  ),
  DatasetClassified: entry(
    DatasetClassifiedV1,
    (d) => `dataset:${datasetKey(d.dataset)}`,
    'PII tags on a dataset or column',
  ),
  ErasureRequested: entry(
    ErasureRequestedV1,
    (d) => `erasure:${d.caseId}`,
    'A data subject asked for erasure',
  ),
  ErasureTaskIssued: entry(
    ErasureTaskIssuedV1,
    (d) => `erasure:${d.caseId}`,
    'A system was asked to erase the subject',
  ),
  ErasureTaskCompleted: entry(
    ErasureTaskCompletedV1,
    (d) => `erasure:${d.caseId}`,
    'A system reported its erasure result',
  ),
  SubjectKeyDestroyed: entry(
    SubjectKeyDestroyedV1,
    (d) => `subject:${d.subject}`,
    "The subject's data keys were destroyed",
  ),
  ErasureCertified: entry(
    ErasureCertifiedV1,
    (d) => `erasure:${d.caseId}`,
    'A signed erasure certificate was issued',
  ),
  ErasureExtended: entry(
    ErasureExtendedV1,
    (d) => `erasure:${d.caseId}`,
    'The erasure deadline was extended (Art. 12(3))',
  ),
  ErasureExemptionRecorded: entry(
    ErasureExemptionRecordedV1,
    (d) => `erasure:${d.caseId}`,
    'Some data is kept under an Art. 17(3) exemption',
  ),
  RetentionPolicySet: entry(
    RetentionPolicySetV1,
    (d) => `retention:${d.scope}/${d.resource}`,
    'A retention period was set',
  ),
  CheckpointPublished: entry(
    CheckpointPublishedV1,
    () => 'checkpoints',
    'A signed checkpoint of the log',
  ),
} as const;

export type EventType = keyof typeof catalogue;
export const eventTypes = Object.keys(catalogue) as EventType[];
export const isEventType = (t: string): t is EventType => Object.hasOwn(catalogue, t);

/**
 * The types producers may submit (HTTP, Kafka, OpenLineage). The erasure case life cycle and
 * checkpoints are recorded by gouvernail itself: a producer could otherwise mark a case certified or
 * a subject's keys destroyed. External executors report with `ErasureTaskCompleted`.
 */
export const producerEventTypes: ReadonlySet<EventType> = new Set<EventType>([
  'AccessRecorded',
  'ConfigChanged',
  'LineageRunEvent',
  'DatasetClassified',
  'RetentionPolicySet',
  'ErasureTaskCompleted',
]);

type DataOf<T extends EventType> =
  (typeof catalogue)[T] extends CatalogueEntry<infer S> ? Static<S> : never;

/** The tagged union of every recorded event, at its current schema version. */
export type AuditEvent = { [T in EventType]: RecordedEnvelope<T, DataOf<T>> }[EventType];
export type EventOf<T extends EventType> = Extract<AuditEvent, { type: T }>;

export const streamOf = (e: AuditEvent): string =>
  (catalogue[e.type].stream as (d: unknown) => string)(e.data);

/** Brings a stored event up to the current schema version of its type. */
export const upcast = (e: RecordedEnvelope): AuditEvent => {
  if (!isEventType(e.type)) return e as AuditEvent;
  const c = catalogue[e.type] as {
    current: number;
    upcasters: Readonly<Record<number, (d: unknown) => unknown>>;
  };
  if (e.schemaVersion === c.current) return e as AuditEvent;
  let data = e.data;
  for (let v = e.schemaVersion; v < c.current; v++) {
    const up = c.upcasters[v];
    if (!up) throw new Error(`no upcaster for ${e.type} v${v}`);
    data = up(data);
  }
  return { ...e, schemaVersion: c.current, data } as AuditEvent;
};
