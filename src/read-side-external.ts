import { withoutPassword } from './redact-url.js';
import cassandra from 'cassandra-driver';
import { MongoClient } from 'mongodb';
import { cassandraConnectError } from './cassandra-connect-error.js';
import { createCassandraAccessStore } from '../projections/access/cassandra/store.js';
import { createMongoConfigStore } from '../projections/config/mongo/store.js';
import { createMongoErasureStore } from '../projections/erasure/mongo/store.js';
import { createMongoLineageStore } from '../projections/lineage/mongo/store.js';
import type { Config } from './config.js';
import type { EventLog } from './log/event-log.js';
import type { Logger } from './logger.js';
import { assembleReadSide, createSqliteReadSide, type ReadSide } from './read-side.js';

/**
 * Read models on the platform's own engines: lineage and configuration history in MongoDB (works on
 * FerretDB too), access history in Cassandra. Connects, creates indexes, keyspace and tables, and
 * fails naming the server it could not reach.
 */
export const createExternalReadSide = async ({
  config,
  log,
  logger,
}: {
  config: Config;
  log: EventLog;
  logger: Logger;
}): Promise<ReadSide> => {
  const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 10_000 });
  try {
    await mongo.connect();
  } catch (cause) {
    // The message names the server, never the password the connection string may hold.
    const reason = (cause as Error).message.replaceAll(
      config.mongo.url,
      withoutPassword(config.mongo.url),
    );
    throw new Error(`cannot reach MongoDB at ${withoutPassword(config.mongo.url)}: ${reason}`);
  }
  const { username, password } = config.cassandra;
  const client = new cassandra.Client({
    contactPoints: [...config.cassandra.contactPoints],
    localDataCenter: config.cassandra.localDataCenter,
    ...(username && password ? { credentials: { username, password } } : {}),
  });
  try {
    await client.connect();
  } catch (cause) {
    await mongo.close();
    throw cassandraConnectError(
      config.cassandra.contactPoints,
      config.cassandra.localDataCenter,
      cause,
    );
  }
  const db = mongo.db(config.mongo.database);
  const access = createCassandraAccessStore({ client, keyspace: config.cassandra.keyspace });
  const configStore = createMongoConfigStore({ db });
  const lineage = createMongoLineageStore({ db });
  const erasure = createMongoErasureStore({ db });
  await Promise.all([
    access.ensureSchema(),
    configStore.ensureIndexes(),
    lineage.ensureIndexes(),
    erasure.ensureIndexes(),
  ]);
  const archiveTimer = setInterval(
    () => {
      const before = new Date(Date.now() - config.archiveAfterDays * 86_400_000);
      Promise.all([configStore.archiveOlderThan(before), lineage.archiveOlderThan(before)]).catch(
        (e: unknown) => {
          logger.warn({ err: e }, 'archiving obsolete read-model documents failed; will retry');
        },
      );
    },
    60 * 60 * 1000,
  );
  archiveTimer.unref();
  logger.info(
    { mongo: config.mongo.database, cassandra: config.cassandra.keyspace },
    'read models on MongoDB and Cassandra',
  );
  return assembleReadSide({
    access,
    config: configStore,
    lineage,
    erasure,
    log,
    logger,
    closeStores: async () => {
      clearInterval(archiveTimer);
      await Promise.all([mongo.close(), client.shutdown()]);
    },
  });
};

/** The read side the configuration asks for (`GOUVERNAIL_READ_STORES`). */
export const createConfiguredReadSide = async ({
  config,
  log,
  logger,
}: {
  config: Config;
  log: EventLog & { readonly entriesFile?: string | undefined };
  logger: Logger;
}): Promise<ReadSide> =>
  config.readStores === 'sqlite'
    ? createSqliteReadSide({
        dataDir: config.dataDir,
        log,
        logger,
        // The lineage thread reads the entries from the embedded log's file; other logs have none.
        ...(config.lineageThread && log.entriesFile !== undefined
          ? { lineageThread: { logFile: log.entriesFile } }
          : {}),
      })
    : createExternalReadSide({ config, log, logger });
