import type { AuditEvent } from '../../domain/catalogue.js';
import {
  evolve,
  initialState,
  isErasureEvent,
  type ErasureEvent,
} from '../../domain/erasure/decider.js';
import { lineagePiiChanges } from '../lineage/evolve.js';
import type { Projection } from '../ports.js';
import type { ErasureCaseView, ErasureChange, ErasureEventRef } from './ports.js';

export const erasureCasesName = 'erasureCases';

/**
 * Folds one event of a case into its view. Replays are harmless: an event whose position the view
 * already holds changes nothing. Returns null while the case has not been requested.
 */
export const evolveCaseView = (
  view: ErasureCaseView | null,
  event: ErasureEvent,
  ref: ErasureEventRef,
): ErasureCaseView | null => {
  if (view?.events.some((e) => e.position === ref.position)) return view;
  const before = view ?? initialState;
  const after = evolve(before, event);
  if (after.status === 'none') return null;
  if (after === before && view) return view;
  const keys =
    event.type === 'SubjectKeyDestroyed' && view !== null
      ? [
          ...view.keys,
          ...event.data.keyIds
            .filter((keyId) => !view.keys.some((k) => k.keyId === keyId))
            .map((keyId) => ({ keyId, eventId: ref.eventId, position: ref.position })),
        ]
      : (view?.keys ?? []);
  return {
    ...after,
    events: [...(view?.events ?? []), ref],
    keys,
    requestedAt: view?.requestedAt ?? ref.recordedAt,
    certifiedAt: event.type === 'ErasureCertified' ? ref.recordedAt : (view?.certifiedAt ?? null),
    updatedAt: ref.recordedAt,
  };
};

/**
 * Erasure cases from the erasure events, and the datasets carrying PII tags (from
 * `DatasetClassified` and the OpenLineage `tags` facet, read exactly as the lineage graph reads them).
 */
export const erasureCaseChanges = (event: AuditEvent, position: number): ErasureChange[] => {
  if (event.type === 'LineageRunEvent' || event.type === 'DatasetClassified')
    return lineagePiiChanges(event);
  if (!isErasureEvent(event)) return [];
  const e = event as ErasureEvent;
  const ref: ErasureEventRef = {
    eventId: event.id,
    type: e.type,
    position,
    recordedAt: event.recordedAt,
  };
  if (e.type === 'SubjectKeyDestroyed' && e.data.caseId === undefined) {
    return [{ kind: 'subjectKeysDestroyed', subject: e.data.subject, event: e, ref }];
  }
  const caseId = e.type === 'SubjectKeyDestroyed' ? e.data.caseId! : e.data.caseId;
  return [{ kind: 'caseEvent', caseId, event: e, ref }];
};

export const erasureCases: Projection<ErasureChange> = {
  name: erasureCasesName,
  changesFor: erasureCaseChanges,
};
