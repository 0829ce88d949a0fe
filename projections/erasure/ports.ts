import type {
  ErasureEvent,
  ErasureEventType,
  ErasureStatus,
  OpenErasureCase,
} from '../../domain/erasure/decider.js';
import type { DatasetRef, LineageChange } from '../lineage/ports.js';
import type { ProjectionStore } from '../ports.js';

/** One event of a case, with its place in the log (its Merkle leaf index): what a certificate proves. */
export interface ErasureEventRef {
  readonly eventId: string;
  readonly type: ErasureEventType;
  readonly position: number;
  readonly recordedAt: string;
}

/** A destroyed data key and the `SubjectKeyDestroyed` event that recorded it. */
export interface DestroyedKey {
  readonly keyId: string;
  readonly eventId: string;
  readonly position: number;
}

/**
 * An erasure case as the DPO sees it: the decider's state (status, subject, receipt, deadline,
 * extensions, exemptions, tasks with outcomes and counts, destroyed keys, certificate hash) plus
 * every case event's log position, and when it was certified.
 */
export interface ErasureCaseView extends OpenErasureCase {
  readonly events: readonly ErasureEventRef[];
  readonly keys: readonly DestroyedKey[];
  readonly requestedAt: string;
  readonly certifiedAt: string | null;
  readonly updatedAt: string;
}

/** A case as returned by the read model; `overdue` = not certified and `dueAt` before the store's now. */
export interface ErasureCaseSummary extends ErasureCaseView {
  readonly overdue: boolean;
}

/** A dataset with PII tags put on it or on its columns directly (classification or OpenLineage `tags` facet). */
export interface ClassifiedDataset {
  readonly dataset: DatasetRef;
  /** Every tag on the dataset or one of its columns, sorted. */
  readonly tags: readonly string[];
  /** Tagged columns; empty when only the dataset is tagged. */
  readonly fields: readonly string[];
}

/** What the erasure projection asks a store to do. */
export type ErasureChange =
  | {
      readonly kind: 'caseEvent';
      readonly caseId: string;
      readonly event: ErasureEvent;
      readonly ref: ErasureEventRef;
    }
  /** A key destruction without case id: it counts for every uncertified case of the subject. */
  | {
      readonly kind: 'subjectKeysDestroyed';
      readonly subject: string;
      readonly event: ErasureEvent;
      readonly ref: ErasureEventRef;
    }
  | Extract<LineageChange, { kind: 'piiClassified' | 'piiTagsFaceted' }>;

/** Filters of {@link ErasureCaseReadModel.cases}; all given filters must hold. */
export interface ErasureCaseQuery {
  readonly status?: ErasureStatus;
  /** Only cases overdue at this instant: not certified and due before it. */
  readonly overdueAt?: Date;
  /** Only uncertified cases due before this instant (overdue ones included). */
  readonly dueBefore?: Date;
}

/** Erasure cases, for the DPO, the certificate and the deadline metrics. */
export interface ErasureCaseReadModel {
  case(caseId: string): Promise<ErasureCaseSummary | null>;
  /** Matching cases, earliest deadline first. */
  cases(query?: ErasureCaseQuery): Promise<ErasureCaseSummary[]>;
  /** Cases not certified yet. */
  openCount(): Promise<number>;
  /** Datasets with PII tags, where erasure has to look (see `locateSubjectData`). */
  classifiedDatasets(): Promise<ClassifiedDataset[]>;
}

export type ErasureStore = ProjectionStore<ErasureChange> & ErasureCaseReadModel;
