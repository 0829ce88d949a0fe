import type {
  ErasureError,
  OpenErasureCase,
  TaskOutcome,
  TaskSpec,
} from '../../domain/erasure/decider.js';
import type { ErasureTaskCompletedData, ExemptionGround } from '../../domain/events/erasure.js';
import type { Actor } from '../../domain/primitives.js';
import type { Result } from '../../domain/result.js';
import type { AccessHistoryReadModel } from '../../projections/access/ports.js';
import type { ErasureCaseReadModel } from '../../projections/erasure/ports.js';
import type { LineageReadModel } from '../../projections/lineage/ports.js';
import type { Signer } from '../checkpoint/keys.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import type { KeyVault } from '../crypto/key-vault.js';
import type { Ingestor } from '../ingest/ingest.js';
import type { VerifiableLog } from '../log/verifiable-log.js';
import type { ProofService } from '../proofs.js';
import type { ScanHit, ScanReport, TracePattern } from './canary-scan.js';
import type { ErasureCertificate } from './certificate.js';
import type { ProofFailure } from './issue-certificate.js';
import type { ScanTargets } from './scan-targets.js';

/** Why an erasure service call failed, beyond the decider's refusals. */
export type ErasureServiceError =
  | ErasureError
  | ProofFailure
  | { readonly type: 'AppendRejected'; readonly message: string }
  | { readonly type: 'BuiltinTask'; readonly taskId: string }
  | { readonly type: 'CanaryMismatch' }
  | { readonly type: 'TracesFound'; readonly hits: readonly ScanHit[] }
  /**
   * A reader in another process (a backup, `gouvernail verify`, a sqlite3 shell) holds the
   * write-ahead log of these stores, which can still hold the deleted ciphertext or destroyed keys.
   */
  | {
      readonly type: 'WalHeldByReader';
      readonly stores: readonly ('log' | 'key vault')[];
      readonly retry: string;
    }
  /** The read models locating reads have not applied the log up to the case yet; try again. */
  | { readonly type: 'ReadModelsBehind'; readonly position: number };

export type Outcome<T> = Promise<Result<T, ErasureServiceError>>;

export interface ErasureServiceDeps {
  readonly log: VerifiableLog;
  readonly ingestor: Ingestor;
  readonly vault: KeyVault;
  readonly access: AccessHistoryReadModel;
  readonly lineage: Pick<LineageReadModel, 'impact' | 'dataset'>;
  readonly erasureStore: Pick<ErasureCaseReadModel, 'classifiedDatasets'>;
  /** The log's checkpoint key: it signs certificates too. */
  readonly signer: Signer;
  readonly proofs: ProofService;
  readonly checkpoints: Pick<CheckpointStore, 'covering'>;
  readonly origin: string;
  /** Ciphertext captured before deletion, scanned for at certification. */
  readonly scanTargets: ScanTargets;
  /**
   * Waits until the read models erasure reads (access history, lineage, erasure cases) have
   * applied the log up to `position`: true when they have, false when they have not within the
   * wait. Locating on read models behind the log would miss resources and datasets.
   */
  readonly readModelsAt: (position: number) => Promise<boolean>;
  /** Every directory gouvernail writes to (log, vault, read models): the canary scan reads them all. */
  readonly dataDirs: readonly string[];
  /**
   * Scans `dirs` for the patterns. The service passes `scanInChildProcess`: a scan in the process
   * that holds the SQLite files would release its locks on them (scan-process.ts).
   */
  readonly scan: (
    dirs: readonly string[],
    patterns: readonly TracePattern[],
  ) => Promise<ScanReport>;
  readonly now: () => Date;
  readonly newId: () => string;
}

export interface ErasureService {
  /**
   * Opens a case for `subject`: appends `ErasureRequested` (the canary sealed as the subject's
   * personal field, its SHA-256 in the data), locates the subject's data and issues the tasks.
   * The canary is returned here once and kept nowhere in clear: hand it back to `certify`.
   */
  request(input: {
    subject: string;
    legalGround: string;
    receivedAt?: string;
    requestRef?: string;
    actor: Actor;
  }): Outcome<{
    caseId: string;
    canary: string;
    receivedAt: string;
    dueAt: string;
    tasks: TaskSpec[];
  }>;
  /** Locates again and issues any task not issued yet (e.g. after `request` failed half-way). */
  locate(caseId: string): Outcome<{ issued: TaskSpec[] }>;
  /** Runs the open built-in tasks: read models, sealed ciphertext, then subject keys. */
  runBuiltinTasks(caseId: string): Outcome<{ completed: ErasureTaskCompletedData[] }>;
  /** Records an external executor's result; the same result again records nothing. */
  reportTask(
    caseId: string,
    taskId: string,
    outcome: TaskOutcome,
    counts: Readonly<Record<string, number>>,
    evidence?: unknown,
    actor?: Actor,
  ): Outcome<{ recorded: boolean }>;
  /**
   * Whether an `ErasureTaskCompleted` arriving as a plain event (POST /v1/events, Kafka) fits its
   * case: `duplicate` when it changes nothing. Events appended anyway are folded tolerantly.
   */
  checkTaskCompletion(data: ErasureTaskCompletedData): Outcome<{ duplicate: boolean }>;
  extend(
    caseId: string,
    input: { by: number; reason: string; actor: Actor },
  ): Outcome<{ dueAt: string }>;
  exempt(
    caseId: string,
    input: {
      category: string;
      ground: ExemptionGround;
      note?: string;
      taskId?: string;
      actor: Actor;
    },
  ): Outcome<null>;
  /**
   * Scans the data directories for the canary and the captured ciphertext, then builds, signs and
   * records the certificate. Refused unless every task is done, the keys are destroyed, the canary
   * matches the case's commitment and no trace is found.
   */
  certify(
    caseId: string,
    input: { canary: string; actor?: Actor },
  ): Outcome<{ certificate: ErasureCertificate; certificateSha256: string }>;
  /** The recorded certificate of a case, or null. */
  certificate(caseId: string): Promise<ErasureCertificate | null>;
  /**
   * Drops the captured ciphertext of every case already certified: a process stopped between
   * recording `ErasureCertified` and dropping it left it behind. Returns the cases swept. Run on start.
   */
  sweepScanTargets(): Promise<string[]>;
  /** A case rebuilt from the log, or null. */
  state(caseId: string): Promise<OpenErasureCase | null>;
}
