import { Worker } from 'node:worker_threads';
import type { ProjectionHealth } from '../../projections/health.js';
import type { ProjectionRunner, ReplayProgress } from '../../projections/runner.js';
import { retryDelayMs } from '../log/event-log.js';
import type { Logger } from '../logger.js';
import type { LineageMessage, LineageRequest, LineageThreadData } from './protocol.js';

interface Call {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly onProgress?: ((p: ReplayProgress) => void) | undefined;
}

/**
 * The main thread's handle on the lineage thread (`worker.ts`): `start`, `stop` and `replay` are
 * messages to it. `lag` is not: the read side answers it on the main thread from `lineage.sqlite`,
 * so metrics never wait on the thread.
 *
 * If the thread dies, pending calls fail, the death is logged and, while the runner is started, a
 * new thread resumes from the lineage checkpoint after a growing delay. The thread keeps the
 * process alive only while a call is pending (a replay from the CLI): it never holds up an exit.
 */
export const startLineageThread = (
  data: LineageThreadData,
  {
    logger,
    health,
    workerUrl = new URL('./worker.js', import.meta.url),
  }: {
    logger: Logger;
    /** Told when the thread's projection fails and when it applies a batch again. */
    health?: ProjectionHealth;
    /** The worker's script; tests running the TypeScript sources point it at the built one. */
    workerUrl?: URL;
  },
): Omit<ProjectionRunner, 'lag'> & { close(): Promise<void> } => {
  const calls = new Map<number, Call>();
  let nextId = 0;
  let running = false;
  let closing = false;
  let deaths = 0;
  let worker: Worker | undefined;
  let respawn: NodeJS.Timeout | undefined;

  const settle = (id: number, outcome: { error?: Error }): void => {
    const call = calls.get(id);
    if (!call) return;
    calls.delete(id);
    if (calls.size === 0) worker?.unref();
    if (outcome.error) call.reject(outcome.error);
    else call.resolve();
  };
  const failAll = (error: Error): void => {
    for (const id of [...calls.keys()]) settle(id, { error });
  };

  const spawn = (): Worker => {
    const w = new Worker(workerUrl, { workerData: data });
    w.on('message', (m: LineageMessage) => {
      if (m.type === 'failed') {
        health?.failed(m.name, m.error);
        logger.error(
          { projection: m.name, err: m.error },
          'projection failed; retrying from its checkpoint',
        );
      } else if (m.type === 'recovered') {
        health?.progressed(m.name);
      } else if (m.type === 'replayProgress') {
        calls.get(m.id)?.onProgress?.(m.progress);
      } else {
        deaths = 0;
        settle(m.id, m.error === undefined ? {} : { error: new Error(m.error) });
      }
    });
    w.on('error', (error) => {
      logger.error({ err: error }, 'the lineage projection thread failed');
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`the lineage projection thread exited with code ${String(code)}`));
      if (closing) return;
      logger.error({ code }, 'the lineage projection thread exited; starting a new one');
      respawn = setTimeout(() => {
        respawn = undefined;
        if (closing) return;
        worker = spawn();
        if (running) call('start').catch(() => undefined);
      }, retryDelayMs(deaths++));
      respawn.unref();
    });
    // After the listeners: attaching them takes a reference again.
    if (calls.size === 0) w.unref();
    return w;
  };
  worker = spawn();

  const call = (
    op: LineageRequest['op'],
    extra: { name?: string; onProgress?: (p: ReplayProgress) => void } = {},
  ): Promise<void> =>
    new Promise((resolve, reject) => {
      if (closing) {
        reject(new Error('the lineage projection thread is closed'));
        return;
      }
      if (!worker) {
        reject(new Error('the lineage projection thread is restarting'));
        return;
      }
      const id = nextId++;
      calls.set(id, { resolve, reject, onProgress: extra.onProgress });
      worker.ref();
      const request: LineageRequest = op === 'replay' ? { id, op, name: extra.name! } : { id, op };
      worker.postMessage(request);
    });

  return {
    start: async () => {
      running = true;
      // Resolves once the lineage projection has caught up, on this thread or a replacement.
      for (let failures = 0; running && !closing; failures++) {
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
      // A thread that is restarting has nothing to stop; its replacement will not start.
      if (worker) await call('stop').catch(() => undefined);
    },
    replay: (name, options = {}) =>
      call('replay', { name, ...(options.onProgress ? { onProgress: options.onProgress } : {}) }),
    close: async () => {
      running = false;
      if (respawn) clearTimeout(respawn);
      const w = worker;
      if (!w) {
        closing = true;
        return;
      }
      try {
        await call('close');
      } catch {
        // it died meanwhile: terminating is all that is left
      } finally {
        closing = true;
        await w.terminate();
      }
    },
  };
};
