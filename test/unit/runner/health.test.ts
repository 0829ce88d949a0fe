import { describe, expect, it } from 'vitest';
import { createProjectionHealth } from '../../../projections/health.js';

describe('projection health', () => {
  it('names a failing projection from its first failure until it applies a batch again', () => {
    let clock = Date.parse('2026-12-06T10:00:00Z');
    const health = createProjectionHealth(() => new Date(clock));
    health.failed('accessHistory', new Error('database or disk is full'));
    clock += 5_000;
    health.failed('accessHistory', new Error('database is locked'));
    expect(health.failing()).toEqual([
      {
        name: 'accessHistory',
        error: 'Error: database is locked',
        since: '2026-12-06T10:00:00.000Z',
      },
    ]);
    health.progressed('accessHistory');
    expect(health.failing()).toEqual([]);
  });

  it('does not hold a failed read of the log against readiness: no batch may come to clear it', () => {
    const health = createProjectionHealth();
    health.failed('log', new Error('database is locked'));
    expect(health.failing()).toEqual([]);
  });
});
