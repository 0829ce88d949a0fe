import type { ErasureCaseView } from '../ports.js';

/**
 * One erasure case; `_id` is the case id. The view is stored as JSON text (task evidence and counts
 * carry keys that are not valid field names everywhere); the fields queries filter and sort by are
 * copied next to it. `position` is the log position of the batch that last wrote the document.
 */
export interface CaseDoc {
  _id: string;
  subject: string;
  status: string;
  certified: boolean;
  dueMs: number;
  position: number;
  viewJson: string;
}

/**
 * PII tags put on a dataset or one of its columns by one source (`classification` or `facet`).
 * Cleared tags leave a tombstone (`live: false`) so an older write cannot bring them back.
 */
export interface PiiDoc {
  _id: string;
  namespace: string;
  name: string;
  field: string;
  source: PiiSource;
  tags: string[];
  live: boolean;
  position: number;
}

export type PiiSource = 'classification' | 'facet';

export const piiId = (namespace: string, name: string, field: string, source: PiiSource): string =>
  JSON.stringify([namespace, name, field, source]);

export const caseFields = (view: ErasureCaseView): Omit<CaseDoc, '_id' | 'position'> => ({
  subject: view.subject,
  status: view.status,
  certified: view.status === 'certified',
  dueMs: Date.parse(view.dueAt),
  viewJson: JSON.stringify(view),
});

export const viewOf = (doc: Pick<CaseDoc, 'viewJson'>): ErasureCaseView =>
  JSON.parse(doc.viewJson) as ErasureCaseView;
