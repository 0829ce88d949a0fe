import type { EventOf, EventType } from '../../domain/catalogue.js';
import type { RecordedEnvelope } from '../../domain/envelope.js';

let counter = 0;

/** A valid pseudonymous subject id built from a short tag, e.g. `subjectId('alice')`. */
export const subjectId = (tag: string): string => `subj_${tag.padEnd(16, '0')}`;

/** A full recorded envelope of `type` with sensible defaults; `overrides` replace envelope fields. */
export const recorded = <T extends EventType>(
  type: T,
  data: EventOf<T>['data'],
  overrides: Partial<Omit<RecordedEnvelope, 'type' | 'data'>> = {},
): EventOf<T> => {
  counter += 1;
  return {
    id: `evt-${counter}`,
    type,
    schemaVersion: 1,
    occurredAt: '2026-11-25T08:00:00.000Z',
    recordedAt: '2026-11-25T08:00:01.000Z',
    producer: 'test',
    actor: { principal: 'svc-test', role: 'system' },
    subjects: [],
    data,
    ...overrides,
  } as EventOf<T>;
};

/** A `LineageRunEvent` carrying an OpenLineage event as received; `kind` is inferred when omitted. */
export const lineageRunEvent = (
  event: Record<string, unknown>,
  kind: 'RunEvent' | 'DatasetEvent' | 'JobEvent' = 'run' in event
    ? 'RunEvent'
    : 'dataset' in event
      ? 'DatasetEvent'
      : 'JobEvent',
  overrides: Partial<Omit<RecordedEnvelope, 'type' | 'data'>> = {},
): EventOf<'LineageRunEvent'> =>
  recorded('LineageRunEvent', { kind, event } as EventOf<'LineageRunEvent'>['data'], {
    producer: typeof event.producer === 'string' ? event.producer : 'openlineage',
    actor: { principal: 'openlineage-client', role: 'producer' },
    ...(typeof event.eventTime === 'string' ? { occurredAt: event.eventTime } : {}),
    ...overrides,
  });

/** A `DatasetClassified` event putting PII `tags` on a dataset, or on one of its columns. */
export const datasetClassified = (
  dataset: { namespace: string; name: string },
  tags: string[],
  field?: string,
  overrides: Partial<Omit<RecordedEnvelope, 'type' | 'data'>> = {},
): EventOf<'DatasetClassified'> =>
  recorded(
    'DatasetClassified',
    { dataset, tags, ...(field === undefined ? {} : { field }) },
    {
      actor: { principal: 'dpo', role: 'producer' },
      ...overrides,
    },
  );
