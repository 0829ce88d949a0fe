import type { Server } from 'node:http';
import { loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { listen } from './server.js';
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
  const service = await createService(config, logger);
  let server: Server;
  try {
    server = await listen(service.app, config.host, config.port);
  } catch (error) {
    // Release the stores (and the log's timers) so the process can exit with the error.
    await service.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    { host: config.host, port, dataDir: config.dataDir, entries: service.log.tree.size() },
    'gouvernail listening',
  );
  process.stdout.write(
    `gouvernail listening on http://${config.host}:${port} (data in ${config.dataDir})\n`,
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      void service.close().then(() => {
        logger.info('stopped');
        process.exit(0);
      });
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
  await new Promise<never>(() => undefined);
};
