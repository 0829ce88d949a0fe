// The built prepare worker, except that a batch naming CRASH-THE-WORKER ends the thread before it
// answers: how the pool's tests stand in for a worker that dies (out of memory, a native fault).
// The worker's own message listener is wrapped, so no message reaches the port before it listens.
import { parentPort } from 'node:worker_threads';

const on = parentPort.on.bind(parentPort);
parentPort.on = (event, listener) =>
  on(
    event,
    event === 'message'
      ? (req) => {
          if (req.kind === 'check' && req.events.includes('CRASH-THE-WORKER')) process.exit(3);
          listener(req);
        }
      : listener,
  );
await import('../../../dist/src/ingest/prepare-worker.js');
