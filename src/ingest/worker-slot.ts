import { Worker } from 'node:worker_threads';
import type { PoolRequest, PoolResponse } from './prepare-pool.js';

/**
 * One prepare worker and the requests it has not answered. When the thread dies (an uncaught error,
 * out of memory), only its own requests fail, and the next request starts a new thread: a crash
 * costs the batches in flight on it, never the ingest that follows. `generation` changes whenever a
 * thread starts or dies, so a caller holding a batch on a thread that has since died can tell
 * without asking it.
 */
export interface WorkerSlot {
  ask(req: PoolRequest, transfer?: ArrayBuffer[]): Promise<PoolResponse>;
  post(req: PoolRequest): void;
  readonly generation: number;
  close(): Promise<void>;
}

export const createWorkerSlot = (workerUrl: URL): WorkerSlot => {
  const pending = new Map<
    number,
    { resolve: (res: PoolResponse) => void; reject: (e: Error) => void }
  >();
  let worker: Worker | undefined;
  let generation = 0;
  let closed = false;

  const start = (): Worker => {
    const w = new Worker(workerUrl);
    generation++;
    const died = (error: Error): void => {
      if (worker !== w) return;
      worker = undefined;
      generation++;
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    w.on('message', (res: PoolResponse) => {
      const p = pending.get(res.id);
      if (!p) {
        // An answer nobody waits for any more: let the worker forget a batch it would hold for ever.
        if (res.kind === 'checked' && res.rejected.length === 0)
          w.postMessage({ kind: 'drop', id: res.id });
        return;
      }
      pending.delete(res.id);
      if (pending.size === 0) w.unref();
      if (res.kind === 'failed') p.reject(new Error(res.message));
      else p.resolve(res);
    });
    w.on('error', (error) => {
      died(new Error(`prepare worker failed: ${error.message}`, { cause: error }));
    });
    w.on('exit', (code) => {
      died(new Error(`prepare worker exited with code ${String(code)}`));
    });
    w.unref();
    return w;
  };

  const current = (): Worker => (worker ??= start());

  return {
    ask: (req, transfer = []) =>
      new Promise((resolve, reject) => {
        if (closed) {
          reject(new Error('the prepare pool is closed'));
          return;
        }
        const w = current();
        if (pending.size === 0) w.ref();
        pending.set(req.id, { resolve, reject });
        w.postMessage(req, transfer);
      }),
    post: (req) => {
      if (!closed) worker?.postMessage(req);
    },
    get generation() {
      return generation;
    },
    close: async () => {
      closed = true;
      const w = worker;
      worker = undefined;
      for (const p of pending.values()) p.reject(new Error('the prepare pool is closed'));
      pending.clear();
      await w?.terminate();
    },
  };
};
