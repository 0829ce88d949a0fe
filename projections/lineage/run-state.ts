import type { OpenLineageEventType } from '../../domain/openlineage.js';
import type { RunState } from './ports.js';

/**
 * A run's state is that of its event with the latest `eventTime`; on a tie the higher rank wins, so
 * the result does not depend on arrival order. OTHER events carry metadata and leave the state alone.
 */
const stateOf: Record<OpenLineageEventType, { state: RunState; rank: number } | null> = {
  START: { state: 'STARTED', rank: 1 },
  RUNNING: { state: 'RUNNING', rank: 2 },
  COMPLETE: { state: 'COMPLETED', rank: 3 },
  ABORT: { state: 'ABORTED', rank: 4 },
  FAIL: { state: 'FAILED', rank: 5 },
  OTHER: null,
};
const firstTerminalRank = 3;

/**
 * The run's new state after an event of `eventType` at `at`, or null when the event does not change
 * it. Every store uses this one rule.
 */
export const nextRunState = (
  current: { readonly stateAt: string | null; readonly stateRank: number },
  eventType: OpenLineageEventType | null,
  at: string,
): { state: RunState; stateAt: string; stateRank: number; endedAt: string | null } | null => {
  const next = eventType === null ? null : stateOf[eventType];
  if (
    !next ||
    !(
      current.stateAt === null ||
      at > current.stateAt ||
      (at === current.stateAt && next.rank > current.stateRank)
    )
  )
    return null;
  return {
    state: next.state,
    stateAt: at,
    stateRank: next.rank,
    endedAt: next.rank >= firstTerminalRank ? at : null,
  };
};
