import { join } from 'node:path';
import type { AccessHistoryStore } from '../projections/access/ports.js';
import { accessHistory } from '../projections/access/evolve.js';
import { createSqliteAccessStore } from '../projections/access/sqlite/store.js';
import { configHistory } from '../projections/config/evolve.js';
import type { ConfigHistoryStore } from '../projections/config/ports.js';
import { createSqliteConfigStore } from '../projections/config/sqlite/store.js';
import { lineageGraph } from '../projections/lineage/evolve.js';
import type { LineageStore } from '../projections/lineage/ports.js';
import { createSqliteLineageStore } from '../projections/lineage/sqlite/store.js';
import { erasureCases } from '../projections/erasure/evolve.js';
import type { ErasureStore } from '../projections/erasure/ports.js';
import { createSqliteErasureStore } from '../projections/erasure/sqlite/store.js';
import { createProjectionHealth, type ProjectionHealth } from '../projections/health.js';
import { createProjectionRunner, lagOf, type ProjectionRunner } from '../projections/runner.js';
import type { EventLog } from './log/event-log.js';
import { combineRunners } from '../projections/combined-runner.js';
import { moveLineageTables } from '../projections/lineage/sqlite/schema.js';
import { startLineageThread } from './lineage-thread/remote-runner.js';
import { openReadModelDb } from './read-model-db.js';
import type { Logger } from './logger.js';

/** The read models and the runner that keeps them up to date with the log. */
export interface ReadSide {
  readonly access: AccessHistoryStore;
  readonly config: ConfigHistoryStore;
  readonly lineage: LineageStore;
  readonly erasure: ErasureStore;
  readonly runner: ProjectionRunner;
  /** Projections retrying after a failure (a full disk, an unreachable store): the service is not ready. */
  readonly health: Pick<ProjectionHealth, 'failing'>;
  close(): Promise<void>;
}

export const projectionNames = [
  accessHistory.name,
  configHistory.name,
  lineageGraph.name,
  erasureCases.name,
] as const;

export const readModelFile = (dataDir: string): string => join(dataDir, 'read-models.sqlite');
export const lineageFile = (dataDir: string): string => join(dataDir, 'lineage.sqlite');

/** Wires the projection runner over the four stores. */
export const assembleReadSide = ({
  access,
  config,
  lineage,
  erasure,
  log,
  logger,
  closeStores,
  batchSize = 1000,
  lineageRunner,
  health = createProjectionHealth(),
}: {
  access: AccessHistoryStore;
  config: ConfigHistoryStore;
  lineage: LineageStore;
  erasure: ErasureStore;
  log: EventLog;
  logger: Logger;
  closeStores: () => Promise<void>;
  /** Events per batch; each store applies a batch in one write. */
  batchSize?: number;
  /** Runs the lineage projection elsewhere (its own thread); `lineage` is then only read here. */
  lineageRunner?: ProjectionRunner;
  /** Shared with `lineageRunner`, which reports its own failures to it. */
  health?: ProjectionHealth;
}): ReadSide => {
  const local = createProjectionRunner({
    log,
    batchSize,
    projections: [
      { projection: accessHistory, store: access },
      { projection: configHistory, store: config },
      ...(lineageRunner ? [] : [{ projection: lineageGraph, store: lineage }]),
      { projection: erasureCases, store: erasure },
    ],
    onError: (error, name) => {
      health.failed(name, error);
      logger.error(
        { err: error, projection: name },
        'projection failed; retrying from its checkpoint',
      );
    },
    onProgress: ({ name }) => {
      health.progressed(name);
    },
  });
  const runner = lineageRunner
    ? combineRunners([
        { names: projectionNames.filter((n) => n !== lineageGraph.name), runner: local },
        { names: [lineageGraph.name], runner: lineageRunner },
      ])
    : local;
  return {
    access,
    config,
    lineage,
    erasure,
    runner,
    health,
    close: async () => {
      try {
        await runner.stop();
      } finally {
        await closeStores();
      }
    },
  };
};

/**
 * Resolves true once each of `names` has applied the log up to `position`, false if one has not
 * after `timeoutMs`. Polls the runner's lag (cheap: checkpoints and the log's size).
 */
export const readModelsReached = async (
  runner: Pick<ProjectionRunner, 'lag'>,
  names: readonly string[],
  position: number,
  timeoutMs = 30_000,
): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lags = (await runner.lag()).filter((l) => names.includes(l.name));
    if (lags.length === names.length && lags.every((l) => l.position >= position)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
};

/**
 * Embedded read models, rebuildable from the log at any time: `read-models.sqlite` (access,
 * configuration, erasure cases) and `lineage.sqlite`. With `lineageThread`, the lineage projection
 * runs on its own thread, reading the log's file itself, so the projections use two cores; the
 * lineage store here then only answers queries.
 */
export const createSqliteReadSide = ({
  dataDir,
  log,
  logger,
  lineageThread,
}: {
  dataDir: string;
  log: EventLog;
  logger: Logger;
  lineageThread?: { readonly logFile: string };
}): ReadSide => {
  const db = openReadModelDb(readModelFile(dataDir));
  const lineageDb = openReadModelDb(lineageFile(dataDir));
  const lineage = createSqliteLineageStore({ db: lineageDb });
  moveLineageTables(db, lineageFile(dataDir));
  const batchSize = 10_000;
  const access = createSqliteAccessStore({ db });
  const config = createSqliteConfigStore({ db });
  const erasure = createSqliteErasureStore({ db });
  // Started once every store is built, so a store that fails to open leaves no thread behind.
  const health = createProjectionHealth();
  const thread = lineageThread
    ? startLineageThread(
        { logFile: lineageThread.logFile, lineageFile: lineageFile(dataDir), batchSize },
        { logger, health },
      )
    : undefined;
  return assembleReadSide({
    health,
    access,
    config,
    lineage,
    erasure,
    log,
    logger,
    batchSize,
    ...(thread
      ? {
          lineageRunner: {
            ...thread,
            // Read here, from the thread's file: metrics never wait on the thread.
            lag: async () => [
              lagOf(lineageGraph.name, await lineage.checkpoint(), await log.size()),
            ],
          },
        }
      : {}),
    closeStores: async () => {
      await thread?.close();
      lineageDb.close();
      db.close();
    },
  });
};
