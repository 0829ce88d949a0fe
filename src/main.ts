import type { Server } from 'node:http';
import { loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { listen } from './server.js';
import { lockDataDir } from './data-dir-lock.js';
import { createService } from './service.js';

/**
 * The composition root: config, logger, service, listen; graceful shutdown on SIGTERM/SIGINT
 * (stop accepting, finish requests in flight, sign a last checkpoint, close the stores).
 */
export const serve = async (
  overrides: Partial<Pick<Config, 'dataDir' | 'port' | 'host'>> = {},
): Promise<void> => {
  const config = loadConfig(process.env, overrides);
  const logger = createLogger(config.logLevel);
  const lock = lockDataDir(config.dataDir);
  let service: Awaited<ReturnType<typeof createService>>;
  try {
    service = await createService(config, logger);
  } catch (error) {
    lock.release();
    throw error;
  }
  let server: Server;
  try {
    server = await listen(service.app, config.host, config.port);
  } catch (error) {
    // Release the stores (and the log's timers) so the process can exit with the error.
    await service.close();
    lock.release();
    throw error;
  }
  // Handlers first: a SIGTERM sent as soon as "listening" is read must stop the service gracefully
  // (with no handler installed yet, Node would be killed at once).
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      void service.close().then(
        () => {
          lock.release();
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          lock.release();
          logger.fatal({ err: error }, 'stopped with an error');
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    { host: config.host, port, dataDir: config.dataDir, entries: service.log.tree.size() },
    'gouvernail listening',
  );
  process.stdout.write(
    `gouvernail listening on http://${config.host}:${port} (data in ${config.dataDir})\n`,
  );

  await new Promise<never>(() => undefined);
};
