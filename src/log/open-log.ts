import { EventStoreDBClient } from '@eventstore/db-client';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { createEventStoreDbLog } from './eventstoredb/event-log.js';
import { createSequencedLog } from './sequenced/sequenced-log.js';
import { createSqliteEventLog } from './sqlite/event-log.js';
import type { VerifiableLog } from './verifiable-log.js';

/** The embedded log's file. */
export const logFile = (dataDir: string): string => join(dataDir, 'log.sqlite');
/** The Merkle sequencer's file (tiles, checkpoints, sealed ciphertext) beside an EventStoreDB log. */
export const sequencerFile = (dataDir: string): string => join(dataDir, 'sequencer.sqlite');
/** The file holding the configured log's tree and checkpoints: the embedded log, or the sequencer's. */
export const treeFile = (config: Pick<Config, 'dataDir' | 'log'>): string =>
  config.log === 'sqlite' ? logFile(config.dataDir) : sequencerFile(config.dataDir);

/**
 * Opens the configured log. `sqlite`: the embedded file, which integrates its own tree. `eventstoredb`:
 * the EventStoreDB log made verifiable by the Merkle sequencer in the data directory; pass
 * `sequence: false` from a process that runs beside the service (CLI commands) and only reads.
 */
export const openLog = (
  config: Pick<Config, 'dataDir' | 'log' | 'eventStoreDbUrl' | 'eventStoreDbPrefix'>,
  options: {
    sequence?: boolean;
    onFault?: (error: Error) => void;
    onError?: (error: unknown) => void;
    /** Progress of migrating an embedded log written before entry bundles (long on a large log). */
    onMigrate?: (done: number, total: number) => void;
  } = {},
): VerifiableLog => {
  switch (config.log) {
    case 'sqlite':
      return createSqliteEventLog({
        file: logFile(config.dataDir),
        ...(options.onMigrate ? { onMigrate: options.onMigrate } : {}),
      });
    case 'eventstoredb': {
      if (!config.eventStoreDbUrl) throw new Error('GOUVERNAIL_ESDB_URL is not set');
      const client = EventStoreDBClient.connectionString(config.eventStoreDbUrl);
      return createSequencedLog({
        log: createEventStoreDbLog({ client, prefix: config.eventStoreDbPrefix }),
        file: sequencerFile(config.dataDir),
        ...(options.sequence === undefined ? {} : { sequence: options.sequence }),
        ...(options.onFault ? { onFault: options.onFault } : {}),
        ...(options.onError ? { onError: options.onError } : {}),
      });
    }
  }
};
