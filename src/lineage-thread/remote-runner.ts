import { Worker } from 'node:worker_threads';
import type { ProjectionLag, ProjectionRunner, ReplayProgress } from '../../projections/runner.js';
import { retryDelayMs } from '../log/event-log.js';
import type { Logger } from '../logger.js';
import type { LineageMessage, LineageRequest, LineageThreadData } from './protocol.js';

interface Call {
  readonly resolve: (lag: ProjectionLag[] | undefined) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress?: ((p: ReplayProgress) => void) | undefined;
}

type Op = LineageRequest['op'];

/**
 * The main thread's handle on the lineage thread (`worker.ts`): a `ProjectionRunner` whose calls
 * are messages. If the thread dies, pending calls fail, the death is logged and, while the runner
 * is started, a new thread resumes from the lineage checkpoint after a growing delay.
 */
export const startLineageThread = (
  data: LineageThreadData,
  logger: Logger,
  /** The worker's script; tests running the TypeScript sources point it at the built one. */
  workerUrl: URL = new URL('./worker.js', import.meta.url),
): ProjectionRunner & { close(): Promise<void> } => {
  const calls = new Map<number, Call>();
  let nextId = 0;
  let running = false;
  let closing = false;
  let deaths = 0;
  let alive = false;
  let worker: Worker;

  const spawn = (): Worker => {
    const w = new Worker(workerUrl, { workerData: data });
    alive = true;
    w.on('message', (m: LineageMessage) => {
      if (m.type === 'failed') {
        logger.error(
          { projection: m.name, err: m.error },
          'projection failed; retrying from its checkpoint',
        );
        return;
      }
      const call = calls.get(m.id);
      if (!call) return;
      if (m.type === 'replayProgress') {
        call.onProgress?.(m.progress);
        return;
      }
      calls.delete(m.id);
      deaths = 0;
      if (m.error !== undefined) call.reject(new Error(m.error));
      else call.resolve(m.lag);
    });
    w.on('error', (error) => {
      logger.error({ err: error }, 'the lineage projection thread failed');
    });
    w.on('exit', (code) => {
      alive = false;
      if (closing) return;
      for (const c of calls.values())
        c.reject(new Error(`the lineage projection thread exited with code ${String(code)}`));
      calls.clear();
      logger.error({ code }, 'the lineage projection thread exited; starting a new one');
      const delay = retryDelayMs(deaths++);
      setTimeout(() => {
        if (closing) return;
        worker = spawn();
        if (running) call('start').catch(() => undefined);
      }, delay).unref();
    });
    return w;
  };
  worker = spawn();

  const call = (
    op: Op,
    extra: { name?: string; onProgress?: (p: ReplayProgress) => void } = {},
  ): Promise<ProjectionLag[] | undefined> =>
    new Promise((resolve, reject) => {
      if (!alive) {
        reject(new Error('the lineage projection thread is restarting'));
        return;
      }
      const id = nextId++;
      calls.set(id, { resolve, reject, onProgress: extra.onProgress });
      const request: LineageRequest = op === 'replay' ? { id, op, name: extra.name! } : { id, op };
      worker.postMessage(request);
    });

  return {
    start: async () => {
      running = true;
      // Resolves once the lineage projection has caught up, on this thread or a replacement.
      for (let failures = 0; running; failures++) {
        try {
          await call('start');
          return;
        } catch {
          await new Promise((r) => setTimeout(r, retryDelayMs(failures)).unref());
        }
      }
    },
    stop: async () => {
      running = false;
      await call('stop');
    },
    lag: async () => (await call('lag')) ?? [],
    replay: async (name, options = {}) => {
      await call('replay', {
        name,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
    },
    close: async () => {
      running = false;
      try {
        if (alive) await call('close');
      } finally {
        closing = true;
        await worker.terminate();
      }
    },
  };
};
