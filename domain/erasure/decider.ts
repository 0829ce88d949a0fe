import type { Result } from '../result.js';
import type { ErasureCommand } from './commands.js';
import { decide } from './decide.js';
import type { ErasureError } from './errors.js';
import type { ErasureEvent } from './events.js';
import { evolve } from './evolve.js';
import { initialState, type ErasureCase } from './state.js';

export { certifiable, decide } from './decide.js';
export { evolve } from './evolve.js';
export { initialState } from './state.js';
export type * from './commands.js';
export type * from './errors.js';
export type * from './events.js';
export { erasureEventTypes, isErasureEvent } from './events.js';
export type * from './state.js';

/** A decider: decide commands against state, fold events into state. */
export interface Decider<C, E, S, Err> {
  readonly decide: (command: C, state: S) => Result<E[], Err>;
  readonly evolve: (state: S, event: E) => S;
  readonly initialState: S;
}

/**
 * The ErasureCase decider: requested → located (tasks issued) → tasks completed → subject key
 * destroyed → certified, with deadline extensions (Art. 12(3)) and exemptions (Art. 17(3)).
 */
export const erasureDecider: Decider<ErasureCommand, ErasureEvent, ErasureCase, ErasureError> = {
  decide,
  evolve,
  initialState,
};

/** The state of a case after its events, in log order. */
export const caseFrom = (events: Iterable<ErasureEvent>): ErasureCase => {
  let s = initialState;
  for (const e of events) s = evolve(s, e);
  return s;
};
