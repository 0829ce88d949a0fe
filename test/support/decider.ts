import { expect } from 'vitest';
import type { Result } from '../../domain/result.js';

/** What `given` needs of a decider. */
export interface DeciderLike<C, E, S, Err> {
  readonly decide: (command: C, state: S) => Result<E[], Err>;
  readonly evolve: (state: S, event: E) => S;
  readonly initialState: S;
}

/**
 * `given(decider)(...events).when(command).then(expectedEvents)`: folds `events` into state,
 * decides `command` and checks the outcome. `thenError` checks a refusal (fields given must match),
 * `thenState` the state after the produced events.
 */
export const given =
  <C, E, S, Err>(decider: DeciderLike<C, E, S, Err>) =>
  (...events: E[]) => ({
    when: (command: C) => {
      const state = events.reduce(decider.evolve, decider.initialState);
      const result = decider.decide(command, state);
      return {
        result,
        then: (expected: E[]): void => {
          expect(result).toEqual({ ok: true, value: expected });
        },
        thenError: (expected: Partial<Err>): void => {
          expect(result).toEqual({
            ok: false,
            error: expect.objectContaining(expected as Record<string, unknown>) as unknown,
          });
        },
        thenState: (check: (state: S) => void): void => {
          if (!result.ok) throw new Error(`expected events, got ${JSON.stringify(result.error)}`);
          check(result.value.reduce(decider.evolve, state));
        },
      };
    },
  });
