import { producerRefusal } from '../../domain/producer-rules.js';
import {
  validateNewEvent,
  type ValidEvent,
  type ValidationIssue,
} from '../../domain/validation.js';
import { reservedIdRefusal } from './reserved-ids.js';

/** Where a refused event was in its batch, and every reason it was refused. */
export interface RejectedEvent {
  readonly index: number;
  readonly id?: string;
  readonly issues: readonly ValidationIssue[];
}

/**
 * Checks a batch before anything of it is sealed or stored: each event against its schema (unless
 * the caller validated it already), then — for events from producers outside gouvernail — against
 * what only gouvernail may record and the ids it derives itself. Pure: runs on any thread.
 */
export const checkBatch = (
  inputs: readonly unknown[],
  { validate, producer }: { validate: boolean; producer: boolean },
): { valid: ValidEvent[]; rejected: RejectedEvent[] } => {
  const valid: ValidEvent[] = [];
  const rejected: RejectedEvent[] = [];
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index];
    let event: ValidEvent;
    if (validate) {
      const result = validateNewEvent(input);
      if (!result.ok) {
        rejected.push({ index, ...idOf(input), issues: result.error });
        continue;
      }
      event = result.value;
    } else event = input as ValidEvent;
    const refusal = producer ? (producerRefusal(event) ?? reservedIdRefusal(event)) : undefined;
    if (refusal) rejected.push({ index, id: event.id, issues: [refusal] });
    else valid.push(event);
  }
  return { valid, rejected };
};

/** The subjects whose data keys a batch needs: those with personal fields to seal. */
export const subjectsToSeal = (events: readonly ValidEvent[]): string[] => {
  const subjects = new Set<string>();
  for (const e of events) for (const s of Object.keys(e.personal ?? {})) subjects.add(s);
  return [...subjects];
};

const idOf = (input: unknown): { id?: string } => {
  if (typeof input === 'object' && input !== null && 'id' in input && typeof input.id === 'string')
    return { id: input.id };
  return {};
};
