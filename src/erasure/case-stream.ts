import { upcast } from '../../domain/catalogue.js';
import {
  caseFrom,
  isErasureEvent,
  type ErasureCase,
  type ErasureEvent,
} from '../../domain/erasure/decider.js';
import type { EventLog, StoredEntry } from '../log/event-log.js';

/** One recorded event of a case, upcast, with its log position. */
export interface CaseEntry {
  readonly eventId: string;
  readonly position: number;
  readonly recordedAt: string;
  readonly event: ErasureEvent;
}

export interface LoadedCase {
  readonly state: ErasureCase;
  /** In log order: the case's stream, plus the subject's key destructions that count for it. */
  readonly entries: readonly CaseEntry[];
}

const PAGE = 1000;

const readAll = async (
  log: Pick<EventLog, 'readStream'>,
  stream: string,
): Promise<StoredEntry[]> => {
  const all: StoredEntry[] = [];
  for (let from = 0; ;) {
    const page = await log.readStream(stream, from, PAGE);
    all.push(...page);
    if (page.length < PAGE) return all;
    from = page[page.length - 1]!.position + 1;
  }
};

const toEntry = (s: StoredEntry): CaseEntry | null => {
  const e = upcast(s.event);
  return isErasureEvent(e)
    ? { eventId: e.id, position: s.position, recordedAt: e.recordedAt, event: e as ErasureEvent }
    : null;
};

/**
 * Rebuilds a case from the log: stream `erasure:<caseId>`, and from `subject:<subject>` the
 * `SubjectKeyDestroyed` events of this case, or without a case id and recorded after the request.
 */
export const loadCase = async (
  log: Pick<EventLog, 'readStream'>,
  caseId: string,
): Promise<LoadedCase> => {
  const own = (await readAll(log, `erasure:${caseId}`))
    .map(toEntry)
    .filter((e): e is CaseEntry => e !== null);
  const request = own.find((e) => e.event.type === 'ErasureRequested');
  if (!request || request.event.type !== 'ErasureRequested')
    return { state: caseFrom([]), entries: [] };
  const keys = (await readAll(log, `subject:${request.event.data.subject}`))
    .map(toEntry)
    .filter(
      (e): e is CaseEntry =>
        e !== null &&
        e.event.type === 'SubjectKeyDestroyed' &&
        (e.event.data.caseId === caseId ||
          (e.event.data.caseId === undefined && e.position > request.position)),
    );
  const entries = [...own, ...keys].sort((a, b) => a.position - b.position);
  return { state: caseFrom(entries.map((e) => e.event)), entries };
};
