import { describe, expect, it } from 'vitest';
import { combineRunners } from '../../../projections/combined-runner.js';
import type { ProjectionLag, ProjectionRunner } from '../../../projections/runner.js';

/** A runner that records calls; `start` resolves when `caughtUp` is called. */
const fakeRunner = (names: string[]) => {
  const calls: string[] = [];
  let caughtUp: () => void = () => undefined;
  const runner: ProjectionRunner = {
    start: () => {
      calls.push('start');
      return new Promise((resolve) => {
        caughtUp = resolve;
      });
    },
    stop: () => {
      calls.push('stop');
      return Promise.resolve();
    },
    lag: () =>
      Promise.resolve(
        names.map((name): ProjectionLag => ({ name, position: 1, headPosition: 3, behind: 2 })),
      ),
    replay: (name) => {
      calls.push(`replay ${name}`);
      return Promise.resolve();
    },
  };
  return {
    runner,
    calls,
    caughtUp: () => {
      caughtUp();
    },
  };
};

describe('combineRunners', () => {
  const main = fakeRunner(['accessHistory', 'erasureCases']);
  const thread = fakeRunner(['lineageGraph']);
  const combined = combineRunners([
    { names: ['accessHistory', 'erasureCases'], runner: main.runner },
    { names: ['lineageGraph'], runner: thread.runner },
  ]);

  it('has caught up only when every part has', async () => {
    let done = false;
    const started = combined.start().then(() => (done = true));
    main.caughtUp();
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    thread.caughtUp();
    await started;
    expect(done).toBe(true);
  });

  it('lists the lag of every projection, and sends a replay to the part that owns it', async () => {
    expect((await combined.lag()).map((l) => l.name)).toEqual([
      'accessHistory',
      'erasureCases',
      'lineageGraph',
    ]);
    await combined.replay('lineageGraph');
    expect(thread.calls).toContain('replay lineageGraph');
    expect(main.calls).not.toContain('replay lineageGraph');
    await expect(combined.replay('nope')).rejects.toThrow('no projection named nope');
  });

  it('stops every part', async () => {
    await combined.stop();
    expect(main.calls.at(-1)).toBe('stop');
    expect(thread.calls.at(-1)).toBe('stop');
  });
});
