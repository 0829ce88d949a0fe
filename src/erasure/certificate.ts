import { createHash } from 'node:crypto';
import { canonicalBytes, canonicalize } from '../../domain/canonical.js';
import type {
  ErasureEventType,
  Exemption,
  Extension,
  TaskExecutor,
  TaskOutcome,
} from '../../domain/erasure/decider.js';
import type { Signer } from '../checkpoint/keys.js';
import type { ConsistencyProofDocument, InclusionProofDocument } from '../proofs.js';
import type { ScanHit } from './canary-scan.js';

export const CERTIFICATE_FORMAT = 'gouvernail-erasure-certificate/v1';
const DOMAIN = `${CERTIFICATE_FORMAT}\n`;

export interface CertifiedSystem {
  readonly taskId: string;
  readonly system: string;
  readonly target: string;
  readonly executor: TaskExecutor;
  readonly outcome: TaskOutcome;
  readonly counts: Readonly<Record<string, number>>;
  readonly evidence: unknown;
}

export interface CertifiedEvent {
  readonly eventId: string;
  readonly type: ErasureEventType;
  readonly leafIndex: number;
  readonly proof: InclusionProofDocument;
}

export interface CanaryScanSummary {
  readonly filesScanned: number;
  readonly bytesScanned: number;
  /** How many byte patterns were looked for: canary forms and ciphertext windows. */
  readonly patterns: number;
  /** Sealed ciphertext blobs captured before deletion and looked for. */
  readonly ciphertextBlobs: number;
  readonly hits: readonly ScanHit[];
  readonly result: 'no-trace' | 'found';
}

/** A certificate before signing. */
export interface ErasureCertificateBody {
  readonly format: typeof CERTIFICATE_FORMAT;
  readonly origin: string;
  readonly caseId: string;
  /** The pseudonymous subject id; never the person's identifier. */
  readonly subject: string;
  readonly legalGround: string;
  readonly receivedAt: string;
  readonly dueAt: string;
  readonly extensions: readonly Extension[];
  readonly certifiedAt: string;
  readonly exemptions: readonly Exemption[];
  readonly keys: readonly {
    readonly keyId: string;
    readonly destroyedBy: string;
    readonly position: number;
  }[];
  readonly systems: readonly CertifiedSystem[];
  readonly canaryScan: CanaryScanSummary;
  readonly events: readonly CertifiedEvent[];
  readonly consistency: ConsistencyProofDocument;
  readonly statement: {
    readonly proves: readonly string[];
    readonly doesNotProve: readonly string[];
  };
  /** The name of the log's checkpoint key that signs the certificate. */
  readonly keyName: string;
}

/** A signed erasure certificate: `signature` is base64 Ed25519 over {@link certificateMessage}. */
export interface ErasureCertificate extends ErasureCertificateBody {
  readonly signature: string;
}

/** What a certificate states, and what it cannot. */
export const certificateStatement = (origin: string) => ({
  proves: [
    `the request, every task issued, every result and every key destruction listed are entries of the log ${origin}, at the leaf indices given, under the signed checkpoint in each inclusion proof`,
    'the log when the certificate was issued is an append-only extension of the log when the request was recorded (consistency proof)',
    'every listed system reported a result: erased, nothing found, or exempted under the Art. 17(3) ground recorded',
    "the subject's data keys listed were destroyed: the personal fields sealed under them can no longer be decrypted, in gouvernail or in any copy of its files",
    "no file under gouvernail's data directories held the canary or the subject's sealed ciphertext when the certificate was issued (byte scan)",
  ],
  doesNotProve: [
    'copies outside the recorded systems',
    'backups taken before erasure (outside gouvernail: gouvernail backups hold only ciphertext whose keys are destroyed)',
    'data in systems that did not report',
    'that a system reported truthfully: counts and evidence are as each system reported them',
    'data kept under a recorded exemption',
    'remnants in memory, swap, or storage blocks the file system or the disk has not overwritten',
    'which person the pseudonymous subject id stands for: that mapping is kept outside gouvernail',
  ],
});

/** The signed bytes: `"gouvernail-erasure-certificate/v1\n"` + RFC 8785 JSON of the certificate without `signature`. */
export const certificateMessage = (doc: Readonly<Record<string, unknown>>): Uint8Array => {
  const body = Object.fromEntries(Object.entries(doc).filter(([k]) => k !== 'signature'));
  return new Uint8Array(Buffer.from(DOMAIN + canonicalize(body), 'utf8'));
};

/** Signs a certificate with the log's checkpoint key. */
export const signCertificate = (
  body: ErasureCertificateBody,
  signer: Signer,
): ErasureCertificate => ({
  ...body,
  signature: Buffer.from(
    signer.sign(certificateMessage(body as unknown as Record<string, unknown>)),
  ).toString('base64'),
});

/** base64url SHA-256 of the RFC 8785 JSON of the signed certificate: `ErasureCertified.certificateSha256`. */
export const certificateSha256 = (certificate: ErasureCertificate): string =>
  createHash('sha256').update(canonicalBytes(certificate)).digest('base64url');
