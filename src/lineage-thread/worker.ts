import { parentPort, workerData } from 'node:worker_threads';
import { lineageEventTypes, lineageGraph } from '../../projections/lineage/evolve.js';
import { createSqliteLineageStore } from '../../projections/lineage/sqlite/store.js';
import { errorText } from '../../projections/health.js';
import { createProjectionRunner } from '../../projections/runner.js';
import { openSqliteLogReader } from '../log/sqlite/log-reader.js';
import { openReadModelDb } from '../read-model-db.js';
import type { LineageMessage, LineageRequest, LineageThreadData } from './protocol.js';

/**
 * The lineage projection on its own thread: it reads the log's file, parses lineage entries only
 * and writes `lineage.sqlite`, beside the other projections on the main thread, so the two use both
 * cores. The reader yields between batches, so a `stop` reaches the runner during a long catch-up.
 */
const port = parentPort!;
const { logFile, lineageFile, batchSize } = workerData as LineageThreadData;
const post = (m: LineageMessage): void => {
  port.postMessage(m);
};
const log = openSqliteLogReader(logFile, { types: lineageEventTypes });
const db = openReadModelDb(lineageFile);
/** Failed since its last applied batch: the main thread is told when it applies one again. */
let failing = false;
const runner = createProjectionRunner({
  log,
  batchSize,
  projections: [{ projection: lineageGraph, store: createSqliteLineageStore({ db }) }],
  onError: (error, name) => {
    failing = true;
    post({ type: 'failed', name, error: errorText(error) });
  },
  onProgress: ({ name }) => {
    if (!failing) return;
    failing = false;
    post({ type: 'recovered', name });
  },
});

/** The catch-up in progress: a second `start` waits for the same one. */
let starting: Promise<void> | undefined;
/** The stop in progress: a `start` after it waits for it to finish. */
let stopping: Promise<void> = Promise.resolve();

const stop = (): Promise<void> => {
  starting = undefined;
  stopping = stopping.then(() => runner.stop());
  return stopping;
};

const handle = async (r: LineageRequest): Promise<LineageMessage> => {
  switch (r.op) {
    case 'start':
      await stopping;
      starting ??= runner.start();
      await starting;
      return { type: 'reply', id: r.id };
    case 'stop':
      await stop();
      return { type: 'reply', id: r.id };
    case 'replay':
      await runner.replay(r.name, {
        onProgress: (progress) => {
          post({ type: 'replayProgress', id: r.id, progress });
        },
      });
      return { type: 'reply', id: r.id };
    case 'close':
      await stop();
      db.close();
      await log.close();
      return { type: 'reply', id: r.id };
  }
};

port.on('message', (r: LineageRequest) => {
  handle(r).then(post, (error: unknown) => {
    post({ type: 'reply', id: r.id, error: errorText(error) });
  });
});
