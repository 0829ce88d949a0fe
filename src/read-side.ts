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
import { createProjectionRunner, type ProjectionRunner } from '../projections/runner.js';
import type { EventLog } from './log/event-log.js';
import { openSqlite } from './log/sqlite/open.js';
import type { Logger } from './logger.js';

/** The read models and the runner that keeps them up to date with the log. */
export interface ReadSide {
  readonly access: AccessHistoryStore;
  readonly config: ConfigHistoryStore;
  readonly lineage: LineageStore;
  readonly erasure: ErasureStore;
  readonly runner: ProjectionRunner;
  close(): Promise<void>;
}

export const projectionNames = [
  accessHistory.name,
  configHistory.name,
  lineageGraph.name,
  erasureCases.name,
] as const;

export const readModelFile = (dataDir: string): string => join(dataDir, 'read-models.sqlite');

/** Wires the projection runner over three stores. */
export const assembleReadSide = ({
  access,
  config,
  lineage,
  erasure,
  log,
  logger,
  closeStores,
  batchSize = 1000,
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
}): ReadSide => {
  const runner = createProjectionRunner({
    log,
    batchSize,
    projections: [
      { projection: accessHistory, store: access },
      { projection: configHistory, store: config },
      { projection: lineageGraph, store: lineage },
      { projection: erasureCases, store: erasure },
    ],
    onError: (error, name) => {
      logger.error(
        { err: error, projection: name },
        'projection failed; retrying from its checkpoint',
      );
    },
  });
  return {
    access,
    config,
    lineage,
    erasure,
    runner,
    close: async () => {
      await runner.stop();
      await closeStores();
    },
  };
};

/** Embedded read models: one SQLite file beside the log, rebuildable from it at any time. */
export const createSqliteReadSide = ({
  dataDir,
  log,
  logger,
}: {
  dataDir: string;
  log: EventLog;
  logger: Logger;
}): ReadSide => {
  const db = openSqlite(readModelFile(dataDir));
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  db.pragma('wal_autocheckpoint = 10000');
  return assembleReadSide({
    access: createSqliteAccessStore({ db }),
    config: createSqliteConfigStore({ db }),
    lineage: createSqliteLineageStore({ db }),
    erasure: createSqliteErasureStore({ db }),
    log,
    logger,
    batchSize: 10_000,
    closeStores: () => {
      db.close();
      return Promise.resolve();
    },
  });
};
