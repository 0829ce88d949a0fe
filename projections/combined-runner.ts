import type { ProjectionRunner } from './runner.js';

/**
 * One runner over several, each owning some projections (by name): the main thread's and the
 * lineage thread's. `start` resolves when all have caught up; `lag` lists every projection.
 */
export const combineRunners = (
  parts: readonly { readonly names: readonly string[]; readonly runner: ProjectionRunner }[],
): ProjectionRunner => ({
  start: async () => {
    await Promise.all(parts.map((p) => p.runner.start()));
  },
  stop: async () => {
    await Promise.all(parts.map((p) => p.runner.stop()));
  },
  lag: async () => {
    const lags = (await Promise.all(parts.map((p) => p.runner.lag()))).flat();
    const order = parts.flatMap((p) => p.names);
    return lags.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  },
  replay: (name, options) => {
    const part = parts.find((p) => p.names.includes(name));
    if (!part) return Promise.reject(new RangeError(`no projection named ${name}`));
    return part.runner.replay(name, options);
  },
});
