import type { RecordedEnvelope } from '../domain/envelope.js';
import type { AccessHistoryReadModel } from '../projections/access/ports.js';
import type { ConfigHistoryReadModel } from '../projections/config/ports.js';
import type { LineageReadModel } from '../projections/lineage/ports.js';
import type { Principal } from '../src/auth/jwt.js';
import type { StoredCheckpoint } from '../src/checkpoint/store.js';
import type { ErasureCaseReadModel } from '../projections/erasure/ports.js';
import type { ErasureService } from '../src/erasure/ports.js';
import type { InclusionProofDocument } from '../src/proofs.js';

/** What one access to the GraphQL endpoint looked like, for the audit log. */
export interface QueryAuditEntry {
  /** `query Name { field … }`: the operation type, its name and its top-level fields (fragments expanded). */
  readonly operation: string;
  readonly decision: 'allowed' | 'denied';
  /** Why it was denied: the error codes and messages. */
  readonly reason?: string;
  /**
   * The metrics label of the operation: its first top-level field once the document validated
   * (a field of the schema, so the label set stays bounded; fragments expanded; `none` when every
   * field is skipped), else `invalid`.
   */
  readonly label: string;
}

/** Everything a resolver may use. Resolvers never import adapters. */
export interface GraphQLContext {
  /** Null when the request carried no token: anonymous. A bad token is answered 401 before GraphQL runs. */
  readonly principal: Principal | null;
  readonly access: AccessHistoryReadModel;
  readonly config: ConfigHistoryReadModel;
  readonly lineage: LineageReadModel;
  readonly events: {
    byId(id: string): Promise<{ position: number; event: RecordedEnvelope } | null>;
    inclusionProof(id: string): Promise<InclusionProofDocument | { code: string; message: string }>;
    latestCheckpoint(): StoredCheckpoint | null;
    /**
     * Reads a subject's sealed personal fields of one event; the implementation records the read as an
     * audited AccessRecorded. Throws SealError (src/crypto/seal.ts) with reason 'key-destroyed' after erasure.
     */
    readPersonal(eventId: string, subject: string): Promise<Record<string, unknown>>;
  };
  /** Erasure cases (read model) and the commands on them; dpo only. */
  readonly erasure: {
    readonly cases: ErasureCaseReadModel;
    readonly service: Pick<
      ErasureService,
      'request' | 'extend' | 'exempt' | 'runBuiltinTasks' | 'reportTask' | 'certify' | 'certificate'
    >;
  };
  /**
   * Called once per operation with what the auditors need (appended to the log as AccessRecorded);
   * resolves once the log holds it durably, rejects when it could not be stored. With `wait: false`
   * the entry is queued (appended within moments, retried while the log refuses) and it resolves at
   * once: for refusals, which disclose nothing.
   */
  recordQuery(entry: QueryAuditEntry, options?: { readonly wait?: boolean }): Promise<void>;
}
