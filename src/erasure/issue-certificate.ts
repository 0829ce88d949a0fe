import type { OpenErasureCase } from '../../domain/erasure/decider.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { Signer } from '../checkpoint/keys.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import type { InclusionProofDocument, ProofService } from '../proofs.js';
import type { CaseEntry } from './case-stream.js';
import {
  certificateSha256,
  certificateStatement,
  CERTIFICATE_FORMAT,
  signCertificate,
  type CanaryScanSummary,
  type CertifiedEvent,
  type ErasureCertificate,
} from './certificate.js';

export type ProofFailure = { readonly type: 'ProofUnavailable'; readonly message: string };

const ATTEMPTS = 3;

/** Inclusion proofs of every entry, all at one checkpoint (retried if a checkpoint is published meanwhile). */
const inclusionProofs = async (
  proofs: ProofService,
  entries: readonly CaseEntry[],
): Promise<Result<CertifiedEvent[], ProofFailure>> => {
  const last = entries.at(-1);
  if (!last) return err({ type: 'ProofUnavailable', message: 'the case has no events' });
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const anchor = await proofs.inclusion(last.eventId);
    if ('code' in anchor) return err({ type: 'ProofUnavailable', message: anchor.message });
    const events: CertifiedEvent[] = [];
    for (const e of entries) {
      const proof = await proofs.inclusion(e.eventId);
      if ('code' in proof) return err({ type: 'ProofUnavailable', message: proof.message });
      events.push({ eventId: e.eventId, type: e.event.type, leafIndex: e.position, proof });
    }
    const sizes = new Set(events.map((e) => e.proof.treeSize));
    if (sizes.size === 1) return ok(events);
  }
  return err({
    type: 'ProofUnavailable',
    message: 'checkpoints kept changing while the proofs were built; try again',
  });
};

/**
 * Builds, signs and hashes the certificate of a case ready to certify: the case's facts, every case
 * event with its inclusion proof at one checkpoint, and the consistency proof from the smallest
 * checkpoint containing the request to that checkpoint.
 */
export const issueCertificate = async (deps: {
  readonly state: OpenErasureCase;
  readonly entries: readonly CaseEntry[];
  readonly proofs: ProofService;
  readonly checkpoints: Pick<CheckpointStore, 'covering'>;
  readonly signer: Signer;
  readonly origin: string;
  readonly canaryScan: CanaryScanSummary;
  readonly certifiedAt: string;
}): Promise<
  Result<{ certificate: ErasureCertificate; certificateSha256: string }, ProofFailure>
> => {
  const { state, entries } = deps;
  const events = await inclusionProofs(deps.proofs, entries);
  if (!events.ok) return events;
  const request = entries.find((e) => e.event.type === 'ErasureRequested');
  const from = request ? deps.checkpoints.covering(request.position) : null;
  const to = (events.value[0]?.proof as InclusionProofDocument).treeSize;
  if (!from)
    return err({ type: 'ProofUnavailable', message: 'no checkpoint contains the request' });
  const consistency = deps.proofs.consistency(from.size, to);
  if ('code' in consistency) return err({ type: 'ProofUnavailable', message: consistency.message });
  const keys = new Map<string, { keyId: string; destroyedBy: string; position: number }>();
  for (const e of entries) {
    if (e.event.type !== 'SubjectKeyDestroyed' || e.event.data.subject !== state.subject) continue;
    for (const keyId of e.event.data.keyIds)
      if (!keys.has(keyId))
        keys.set(keyId, { keyId, destroyedBy: e.eventId, position: e.position });
  }
  const certificate = signCertificate(
    {
      format: CERTIFICATE_FORMAT,
      origin: deps.origin,
      caseId: state.caseId,
      subject: state.subject,
      legalGround: state.legalGround,
      receivedAt: state.receivedAt,
      dueAt: state.dueAt,
      extensions: state.extensions,
      certifiedAt: deps.certifiedAt,
      exemptions: state.exemptions,
      keys: [...keys.values()],
      systems: state.tasks.map((t) => ({
        taskId: t.taskId,
        system: t.system,
        target: t.target,
        executor: t.executor,
        outcome: t.outcome!,
        counts: t.counts,
        evidence: t.evidence ?? null,
      })),
      canaryScan: deps.canaryScan,
      events: events.value,
      consistency,
      statement: certificateStatement(deps.origin),
      keyName: deps.signer.name,
    },
    deps.signer,
  );
  return ok({ certificate, certificateSha256: certificateSha256(certificate) });
};
