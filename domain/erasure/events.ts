import type {
  ErasureCertifiedData,
  ErasureExemptionRecordedData,
  ErasureExtendedData,
  ErasureRequestedData,
  ErasureTaskCompletedData,
  ErasureTaskIssuedData,
  SubjectKeyDestroyedData,
} from '../events/erasure.js';

type Of<T extends string, D> = { readonly type: T; readonly data: D };

/**
 * The events of an erasure case's life, as the decider produces them: type and data only. The
 * caller wraps them in envelopes (id, actor, times); a recorded event of these types is also one.
 */
export type ErasureEvent =
  | Of<'ErasureRequested', ErasureRequestedData>
  | Of<'ErasureTaskIssued', ErasureTaskIssuedData>
  | Of<'ErasureTaskCompleted', ErasureTaskCompletedData>
  | Of<'ErasureExtended', ErasureExtendedData>
  | Of<'ErasureExemptionRecorded', ErasureExemptionRecordedData>
  | Of<'SubjectKeyDestroyed', SubjectKeyDestroyedData>
  | Of<'ErasureCertified', ErasureCertifiedData>;

export type ErasureEventType = ErasureEvent['type'];

export const erasureEventTypes: readonly ErasureEventType[] = [
  'ErasureRequested',
  'ErasureTaskIssued',
  'ErasureTaskCompleted',
  'ErasureExtended',
  'ErasureExemptionRecorded',
  'SubjectKeyDestroyed',
  'ErasureCertified',
];

export const isErasureEvent = (e: { readonly type: string }): e is ErasureEvent =>
  (erasureEventTypes as readonly string[]).includes(e.type);
