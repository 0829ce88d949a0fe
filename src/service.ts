import { join } from 'node:path';
import { createApp, type App } from './app.js';
import { createTokenVerifier } from './auth/jwt.js';
import { checkpointKeyFile, loadOrCreateCheckpointSigner } from './checkpoint/local-key.js';
import { createCheckpointPublisher, type CheckpointPublisher } from './checkpoint/publisher.js';
import { verifierFromVkey } from './checkpoint/keys.js';
import { verifyNote } from './checkpoint/note.js';
import { createSqliteCheckpointStore } from './checkpoint/store.js';
import {
  readWitness,
  recordWitness,
  witnessedStore,
  witnessProblem,
} from './checkpoint/witness.js';
import { ConfigError } from './config-error.js';
import type { Config } from './config.js';
import { loadOrCreateKek } from './crypto/kek.js';
import type { KeyVault } from './crypto/key-vault.js';
import { createSqliteKeyVault } from './crypto/sqlite-key-vault.js';
import { randomUUID } from 'node:crypto';
import { registerErasureMetrics } from './erasure/metrics.js';
import type { ErasureService } from './erasure/ports.js';
import { createSqliteScanTargets } from './erasure/scan-targets.js';
import { registerWalMetric } from './wal-metrics.js';
import { createErasureService } from './erasure/service.js';
import { createGraphQLContextFactory } from './graphql/context.js';
import { createGraphQLHandler } from './graphql/yoga.js';
import { yogaLogger } from './graphql/yoga-logger.js';
import { createIngestor } from './ingest/ingest.js';
import { createPreparePool } from './ingest/prepare-pool.js';
import { startKafka, type KafkaRuntime } from './kafka/runtime.js';
import { scanInChildProcess } from './erasure/scan-process.js';
import { startRetentionPurge } from './retention-purge.js';
import { logFile, openLog, treeFile } from './log/open-log.js';
import type { VerifiableLog } from './log/verifiable-log.js';
import type { Logger } from './logger.js';
import { openedSoFar, type OpenedSoFar } from './opened-so-far.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createPersonalReader, type PersonalReader } from './personal.js';
import { createProofService } from './proofs.js';
import { createAccessRecorder, type AccessRecorder } from './query-recorder.js';
import { createConfiguredReadSide } from './read-side-external.js';
import { hs256Secret } from './secrets.js';
import { readModelsReached, type ReadSide } from './read-side.js';
import { accessHistory } from '../projections/access/evolve.js';
import { lineageGraph } from '../projections/lineage/evolve.js';
import { erasureCases } from '../projections/erasure/evolve.js';

/** Everything the running service is made of; `close` releases it in reverse order. */
export interface Service {
  readonly app: App;
  readonly log: VerifiableLog;
  readonly vault: KeyVault;
  readonly publisher: CheckpointPublisher;
  readonly metrics: Metrics;
  readonly readSide: ReadSide;
  readonly personal: PersonalReader;
  readonly recorder: AccessRecorder;
  readonly erasure: ErasureService;
  close(): Promise<void>;
}

export const vaultFile = (dataDir: string): string => join(dataDir, 'keys.sqlite');

/**
 * The checkpoint key must be the one that signed the stored checkpoints: a lost or replaced key file
 * would otherwise be regenerated silently, and witnesses holding the old key could verify nothing
 * signed from then on.
 */
const assertSignsStoredCheckpoints = (
  store: ReturnType<typeof createSqliteCheckpointStore>,
  vkey: string,
  dataDir: string,
): void => {
  const latest = store.latest();
  if (!latest) return;
  try {
    verifyNote(latest.note, verifierFromVkey(vkey));
  } catch {
    throw new ConfigError(
      `the checkpoint key (${checkpointKeyFile(dataDir)}) did not sign the stored checkpoints (the latest covers ${latest.size} entries): restore the key they were signed with; the log was not changed`,
    );
  }
};

/**
 * The log must not be behind the latest checkpoint copied outside it (the witness). A data directory
 * without a witness (written before it existed) gets one from the latest stored checkpoint.
 */
const assertNotBehindWitness = (
  config: Config,
  log: VerifiableLog,
  store: ReturnType<typeof createSqliteCheckpointStore>,
  vkey: string,
): void => {
  const witnessed = readWitness(config.dataDir);
  if (witnessed === undefined) {
    const latest = store.latest();
    if (latest) recordWitness(config.dataDir, latest.note);
    return;
  }
  const problem = witnessProblem(
    log.tree,
    witnessed,
    verifierFromVkey(vkey),
    treeFile(config),
    config.dataDir,
  );
  if (problem) throw new ConfigError(problem);
};

/**
 * No read model may have applied positions the log does not hold: they were acknowledged, then lost
 * with the log's tail, and new events would be stored at those positions but never projected.
 */
const assertReadModelsNotAhead = async (config: Config, readSide: ReadSide): Promise<void> => {
  const ahead = (await readSide.runner.lag()).filter((l) => l.position > l.headPosition);
  const [first] = ahead;
  if (!first) return;
  const logName = config.log === 'sqlite' ? logFile(config.dataDir) : 'the EventStoreDB log';
  const names = ahead.map((l) => `${l.name} (position ${l.position})`).join(', ');
  throw new ConfigError(
    `the read models ${names} have applied events the log no longer holds: ${logName} ends at position ${first.headPosition}. The log was rolled back, replaced, or lost its write-ahead log (-wal). Restore it with its -wal from a backup that holds them; to accept their loss instead, rebuild each read model named from the log with the service stopped: ${ahead.map((l) => `gouvernail replay ${l.name}`).join('; ')}`,
  );
};

/**
 * Wires the service from configuration: the configured log (embedded SQLite, or EventStoreDB with
 * the Merkle sequencer), the vault and the read side. When a step fails, what the steps before it
 * opened is closed (newest first) before the error is thrown, so a failed start leaves no socket,
 * thread or timer keeping the process alive.
 */
export const createService = async (
  config: Config,
  logger: Logger,
  /** An already opened log, instead of the configured one (tests of a log beside the sequencer); the caller closes it. */
  opened: { log?: VerifiableLog } = {},
): Promise<Service> => {
  const startup = openedSoFar(logger);
  try {
    return await assembleService(config, logger, opened, startup);
  } catch (error) {
    await startup.closeAll();
    throw error;
  }
};

const assembleService = async (
  config: Config,
  logger: Logger,
  opened: { log?: VerifiableLog },
  startup: OpenedSoFar,
): Promise<Service> => {
  const metrics = createMetrics();
  const log =
    opened.log ??
    openLog(config, {
      onFault: (err) => {
        logger.fatal({ err }, 'the Merkle sequencer stopped; appends are refused');
      },
      onError: (err) => {
        logger.warn({ err }, 'the Merkle sequencer failed to integrate; retrying');
      },
      onMigrate: (done, total) => {
        logger.info({ done, total }, 'moving the log file into entry bundles (once, in place)');
      },
    });
  if (!opened.log) startup.add('the log', () => log.close());
  const kek = loadOrCreateKek({
    dataDir: config.dataDir,
    ...(config.kek ? { configured: config.kek } : {}),
  });
  // A lost vault must not be recreated empty: every sealed field would then read as erased.
  const vault = createSqliteKeyVault({
    file: vaultFile(config.dataDir),
    kek,
    requireKeys: log.holdsSealedCiphertext(),
  });
  startup.add('the key vault', () => vault.close());
  const { signer, vkey, spkiPem } = loadOrCreateCheckpointSigner(config.dataDir, config.origin);
  const store = createSqliteCheckpointStore(log.db);
  assertSignsStoredCheckpoints(store, vkey, config.dataDir);
  assertNotBehindWitness(config, log, store, vkey);
  const kafkaConfig = config.kafka;
  let kafka: KafkaRuntime | undefined;
  const publisher = createCheckpointPublisher({
    tree: () => log.tree,
    store: witnessedStore(store, config.dataDir),
    signer,
    origin: config.origin,
    intervalMs: config.checkpointIntervalMs,
    metrics,
    log: logger.child({ component: 'checkpoints' }),
    onPublished: (note) => kafka?.onCheckpoint(note),
  });
  const tokens = await createTokenVerifier({ ...config.jwt, secret: hs256Secret(config) });
  const pool = config.sealWorkers > 0 ? createPreparePool({ size: config.sealWorkers }) : undefined;
  if (pool) startup.add('the prepare workers', () => pool.close());
  const ingestor = createIngestor({
    log,
    vault,
    origin: config.origin,
    metrics,
    ...(pool ? { pool } : {}),
  });
  const projectionLogger = logger.child({ component: 'projections' });
  const readSide = await createConfiguredReadSide({ config, log, logger: projectionLogger });
  startup.add('the read side', () => readSide.close());
  await assertReadModelsNotAhead(config, readSide);
  const recorder = createAccessRecorder({
    ingestor,
    log: logger.child({ component: 'self-audit' }),
  });
  startup.add('the self-audit recorder', () => recorder.stop());
  const personal = createPersonalReader({ log, vault, origin: config.origin });
  metrics.setLogSizeSource(() => log.tree.size());
  registerWalMetric(metrics.registry, config.dataDir);
  metrics.setProjectionLagSource(async () => {
    return Promise.all(
      (await readSide.runner.lag()).map(async (l) => {
        const [oldest] = l.behind > 0 ? await log.read(l.position + 1, 1) : [];
        const seconds = oldest
          ? Math.max(0, (Date.now() - Date.parse(oldest.event.recordedAt)) / 1000)
          : 0;
        return { name: l.name, behind: l.behind, seconds };
      }),
    );
  });
  const proofs = createProofService({ log, store, publisher, origin: config.origin });
  const scanTargets = createSqliteScanTargets(join(config.dataDir, 'erasure-scan.sqlite'));
  startup.add('the erasure scan targets', () => {
    scanTargets.close();
  });
  const erasure = createErasureService({
    log,
    scanTargets,
    ingestor,
    vault,
    access: readSide.access,
    lineage: readSide.lineage,
    erasureStore: readSide.erasure,
    signer,
    proofs,
    checkpoints: store,
    origin: config.origin,
    dataDirs: [config.dataDir],
    scan: scanInChildProcess,
    now: () => new Date(),
    newId: randomUUID,
    readModelsAt: (position) =>
      readModelsReached(
        readSide.runner,
        [accessHistory.name, lineageGraph.name, erasureCases.name],
        position,
      ),
  });
  registerErasureMetrics(metrics.registry, readSide.erasure);
  // Housekeeping: a failure here (the log unreachable) must not keep the service from starting.
  erasure.sweepScanTargets().then(
    (swept) => {
      if (swept.length > 0)
        logger.info(
          { cases: swept },
          'dropped the captured ciphertext of erasure cases already certified',
        );
    },
    (err: unknown) => {
      logger.warn(
        { err },
        'could not sweep the scan targets of certified erasure cases; will retry at the next start',
      );
    },
  );
  const graphql = createGraphQLHandler({
    context: createGraphQLContextFactory({
      log,
      readSide,
      proofs,
      checkpoints: store,
      personal,
      recorder,
      metrics,
      erasure,
      trustedProxies: config.trustedProxies,
    }),
    maxRequestBytes: config.maxGraphqlBytes,
    graphiql: true,
    logging: yogaLogger(logger.child({ component: 'graphql' })),
  });
  let open = true;
  let caughtUp = false;
  const notReady = (): string | undefined => {
    if (!open) return 'shutting down';
    if (!caughtUp) return 'starting up: the projections are catching up with the log';
    const fault = log.fault();
    if (fault) return `the log cannot append: ${fault.message}`;
    // Names and times only: /readyz is public, the errors themselves are in the service log.
    const failing = readSide.health.failing();
    if (failing.length > 0)
      return `projections retrying after an error (see the service log): ${failing
        .map((f) => `${f.name} since ${f.since}`)
        .join(', ')}`;
    return undefined;
  };
  const app = createApp({
    config,
    log: logger.child({ component: 'http' }),
    metrics,
    ingestor,
    tokens,
    checkpoints: store,
    publisher,
    proofs,
    graphql,
    recorder,
    keys: { vkey, spkiPem },
    notReady: () => Promise.resolve(notReady()),
  });
  if (kafkaConfig.enabled) {
    const started = await startKafka({
      settings: kafkaConfig,
      ingestor,
      metrics,
      readSide,
      logger,
    });
    kafka = started;
    startup.add('Kafka', () => started.stop());
    // The latest checkpoint may never have reached the topic (Kafka down when it was signed, or
    // signed at the last shutdown): send it again; witnesses see at worst one note twice.
    const latest = store.latest();
    if (latest) kafka.onCheckpoint(latest.note);
    logger.info(
      { brokers: kafkaConfig.brokers, group: kafkaConfig.groupId },
      'consuming from Kafka',
    );
  }
  publisher.start();
  startup.add('checkpoint publication', () => {
    publisher.stop();
  });
  const retention = startRetentionPurge({
    access: readSide.access,
    intervalMs: config.retentionPurgeIntervalMs,
    logger: projectionLogger,
  });
  void readSide.runner.start().then(() => {
    caughtUp = true;
    kafka?.startCollector();
    logger.info('projections caught up');
  });
  return {
    app,
    log,
    vault,
    publisher,
    metrics,
    readSide,
    personal,
    recorder,
    erasure,
    close: async () => {
      open = false;
      await kafka?.stopIngest();
      publisher.stop();
      // Records the log would not take are in the service log; close the rest, then say so.
      const unrecorded = await recorder.stop().then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      await pool?.close();
      await retention.stop();
      await readSide.close();
      // The last checkpoint covers the self-audit flushed above; Kafka's producer stays connected
      // until it is sent, so witnesses following the topic see it.
      publisher.publish();
      await kafka?.stop();
      scanTargets.close();
      await vault.close();
      await log.close();
      if (unrecorded) throw unrecorded;
    },
  };
};
