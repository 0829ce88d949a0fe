import type { CheckpointPublisher } from './checkpoint/publisher.js';
import type { CheckpointStore } from './checkpoint/store.js';
import type { VerifiableLog } from './log/verifiable-log.js';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** An RFC 9162 inclusion proof with the exact leaf bytes and the signed checkpoint it leads to. */
export interface InclusionProofDocument {
  readonly format: 'gouvernail-proof/v1';
  readonly origin: string;
  readonly eventId: string;
  readonly entry: string;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly inclusion: readonly string[];
  readonly checkpoint: string;
}

export interface ConsistencyProofDocument {
  readonly format: 'gouvernail-consistency/v1';
  readonly origin: string;
  readonly fromSize: number;
  readonly toSize: number;
  readonly consistency: readonly string[];
  readonly fromCheckpoint: string;
  readonly toCheckpoint: string;
}

export type ProofError = {
  readonly code: 'not-found' | 'no-checkpoint' | 'bad-range';
  readonly message: string;
};

export interface ProofService {
  inclusion(eventId: string): Promise<InclusionProofDocument | ProofError>;
  consistency(fromSize: number, toSize?: number): ConsistencyProofDocument | ProofError;
}

export const createProofService = ({
  log,
  store,
  publisher,
  origin,
}: {
  log: VerifiableLog;
  store: CheckpointStore;
  /** Which checkpoint a proof is made against; the service's own publisher signs one when none covers. */
  publisher: Pick<CheckpointPublisher, 'covering'>;
  origin: string;
}): ProofService => ({
  inclusion: async (eventId) => {
    const position = await log.positionOf(eventId);
    if (position === null) return { code: 'not-found', message: `no event with id '${eventId}'` };
    const checkpoint = publisher.covering(position);
    if (!checkpoint)
      return { code: 'no-checkpoint', message: 'no checkpoint covers this event yet' };
    const [stored] = await log.read(position, 1);
    if (!stored) return { code: 'not-found', message: `no event with id '${eventId}'` };
    return {
      format: 'gouvernail-proof/v1',
      origin,
      eventId,
      entry: b64(stored.entry),
      leafIndex: position,
      treeSize: checkpoint.size,
      inclusion: log.tree.inclusionProof(position, checkpoint.size).map(b64),
      checkpoint: checkpoint.note,
    };
  },
  consistency: (fromSize, toSize) => {
    const to = toSize === undefined ? store.latest() : store.atSize(toSize);
    if (!to)
      return {
        code: 'no-checkpoint',
        message:
          toSize === undefined ? 'no checkpoint published yet' : `no checkpoint of size ${toSize}`,
      };
    if (fromSize < 1 || fromSize > to.size) {
      return { code: 'bad-range', message: `from must be between 1 and ${to.size}` };
    }
    const from = store.atSize(fromSize);
    if (!from) return { code: 'no-checkpoint', message: `no checkpoint of size ${fromSize}` };
    return {
      format: 'gouvernail-consistency/v1',
      origin,
      fromSize,
      toSize: to.size,
      consistency: log.tree.consistencyProof(fromSize, to.size).map(b64),
      fromCheckpoint: from.note,
      toCheckpoint: to.note,
    };
  },
});
