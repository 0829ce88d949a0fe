import { isEventType } from '../../domain/catalogue.js';

/**
 * The `type` label of an event refused as invalid: the type it claims when the catalogue has one
 * of that name, `unknown` otherwise (whatever producers send, the label takes a bounded set of values).
 */
export const invalidEventType = (input: unknown): string =>
  typeof input === 'object' &&
  input !== null &&
  'type' in input &&
  typeof input.type === 'string' &&
  isEventType(input.type)
    ? input.type
    : 'unknown';
