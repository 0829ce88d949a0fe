import { canonicalize } from '../../domain/canonical.js';
import { verifyProofDocument, verifierFromKeyText } from '../audit/verify-proof.js';
import { CERTIFICATE_FORMAT, certificateMessage } from './certificate.js';

export type CertificateProblemCode =
  | 'format'
  | 'key'
  | 'key-name'
  | 'signature'
  | 'inclusion-proof'
  | 'event-mismatch'
  | 'checkpoint-mismatch'
  | 'consistency-proof'
  | 'claim-mismatch'
  | 'tasks-not-done'
  | 'keys-not-destroyed'
  | 'canary-found';

export interface CertificateProblem {
  readonly code: CertificateProblemCode;
  readonly message: string;
}

export interface CertificateVerdict {
  readonly ok: boolean;
  readonly problems: readonly CertificateProblem[];
}

type Obj = Record<string, unknown>;
interface Entry {
  readonly id: string;
  readonly type: string;
  readonly leafIndex: number;
  readonly data: Obj;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const same = (a: unknown, b: unknown): boolean => {
  try {
    return canonicalize(a ?? null) === canonicalize(b ?? null);
  } catch {
    return false;
  }
};

/** Strict base64: decodes only text that re-encodes to itself (no ignored characters or bits). */
const strictBase64 = (text: unknown): Uint8Array | null => {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : null;
};

const checkSignature = (
  d: Obj,
  keyText: string,
  problem: (c: CertificateProblemCode, m: string) => void,
): void => {
  let verifier;
  try {
    verifier = verifierFromKeyText(keyText, str(d.origin));
  } catch (e) {
    problem('key', `the verification key cannot be read: ${(e as Error).message}`);
    return;
  }
  if (d.keyName !== verifier.name)
    problem('key-name', `signed by key '${str(d.keyName)}', the key given is '${verifier.name}'`);
  const signature = strictBase64(d.signature);
  let message: Uint8Array | null = null;
  try {
    message = certificateMessage(d);
  } catch (e) {
    problem('format', `the certificate is not canonical JSON: ${(e as Error).message}`);
  }
  if (!signature || signature.length !== 64 || !message || !verifier.verify(message, signature)) {
    problem(
      'signature',
      'the signature does not match the certificate: it was altered or signed by another key',
    );
  }
};

/** The log entries the inclusion proofs carry, checked to be this case's events. */
const checkEvents = (
  d: Obj,
  keyText: string,
  problem: (c: CertificateProblemCode, m: string) => void,
): Entry[] => {
  const entries: Entry[] = [];
  const notes = new Set<string>();
  list(d.events).forEach((raw, i) => {
    const e = isObj(raw) ? raw : {};
    const proof = isObj(e.proof) ? e.proof : {};
    const verdict = verifyProofDocument(proof, keyText);
    if (!verdict.ok) problem('inclusion-proof', `events[${i}]: ${verdict.reason}`);
    notes.add(str(proof.checkpoint));
    if (
      proof.origin !== d.origin ||
      proof.eventId !== e.eventId ||
      proof.leafIndex !== e.leafIndex
    ) {
      problem('event-mismatch', `events[${i}]: the proof is for another event, leaf or origin`);
    }
    let entry: Obj = {};
    try {
      const parsed: unknown = JSON.parse(Buffer.from(str(proof.entry), 'base64').toString('utf8'));
      if (isObj(parsed)) entry = parsed;
      else problem('event-mismatch', `events[${i}]: the proven entry is not a JSON object`);
    } catch {
      problem('event-mismatch', `events[${i}]: the proven entry is not JSON`);
    }
    const data = isObj(entry.data) ? entry.data : {};
    const ours =
      entry.type === 'SubjectKeyDestroyed'
        ? data.subject === d.subject && (data.caseId === undefined || data.caseId === d.caseId)
        : data.caseId === d.caseId &&
          (entry.type !== 'ErasureRequested' || data.subject === d.subject);
    if (entry.id !== e.eventId || entry.type !== e.type || !ours) {
      problem(
        'event-mismatch',
        `events[${i}]: the proven entry is not ${str(e.type)} ${str(e.eventId)} of case ${str(d.caseId)}`,
      );
    }
    entries.push({
      id: str(entry.id),
      type: str(entry.type),
      leafIndex: typeof e.leafIndex === 'number' ? e.leafIndex : -1,
      data,
    });
  });
  if (notes.size > 1)
    problem('checkpoint-mismatch', 'the inclusion proofs lead to different checkpoints');
  const consistency = isObj(d.consistency) ? d.consistency : {};
  const verdict = verifyProofDocument(consistency, keyText);
  if (!verdict.ok) problem('consistency-proof', verdict.reason);
  if (consistency.origin !== d.origin)
    problem('consistency-proof', 'the consistency proof is for another origin');
  if (notes.size === 1 && !notes.has(str(consistency.toCheckpoint))) {
    problem(
      'checkpoint-mismatch',
      'the consistency proof does not end at the checkpoint of the inclusion proofs',
    );
  }
  const request = entries.find((e) => e.type === 'ErasureRequested');
  const fromSize = typeof consistency.fromSize === 'number' ? consistency.fromSize : 0;
  if (request && fromSize <= request.leafIndex)
    problem('consistency-proof', 'the consistency proof starts before the request was logged');
  return entries;
};

/** The certificate's claims, each backed by a proven entry. */
const checkClaims = (
  d: Obj,
  entries: readonly Entry[],
  problem: (c: CertificateProblemCode, m: string) => void,
): void => {
  const ofType = (t: string) => entries.filter((e) => e.type === t);
  const [request, ...more] = ofType('ErasureRequested');
  if (!request || more.length > 0)
    problem('claim-mismatch', 'the certificate must prove exactly one ErasureRequested');
  else if (request.data.receivedAt !== d.receivedAt || request.data.legalGround !== d.legalGround) {
    problem('claim-mismatch', 'receivedAt or legalGround differ from the proven request');
  }
  const extensions = ofType('ErasureExtended');
  if (
    !same(
      extensions.map((e) => ({ ...e.data, caseId: undefined })),
      d.extensions,
    )
  ) {
    problem('claim-mismatch', 'extensions differ from the proven ErasureExtended entries');
  }
  const due = extensions.at(-1)?.data.dueAt ?? request?.data.dueAt;
  if (due !== d.dueAt) problem('claim-mismatch', 'dueAt differs from the proven deadline');
  for (const s of list(d.systems).map((x) => (isObj(x) ? x : {}))) {
    const issued = ofType('ErasureTaskIssued').find((e) => e.data.taskId === s.taskId);
    const done = ofType('ErasureTaskCompleted').find(
      (e) =>
        e.data.taskId === s.taskId &&
        e.data.outcome !== 'failed' &&
        issued !== undefined &&
        e.leafIndex > issued.leafIndex,
    );
    if (
      !issued ||
      issued.data.system !== s.system ||
      issued.data.target !== s.target ||
      issued.data.executor !== s.executor
    ) {
      problem('claim-mismatch', `task ${str(s.taskId)}: no proven ErasureTaskIssued matches`);
    }
    if (
      !done ||
      done.data.outcome !== s.outcome ||
      !same(done.data.counts, s.counts) ||
      !same(done.data.evidence, s.evidence)
    ) {
      problem('claim-mismatch', `task ${str(s.taskId)}: no proven ErasureTaskCompleted matches`);
    }
    if (!['erased', 'nothing_found', 'exempted'].includes(str(s.outcome)))
      problem('tasks-not-done', `task ${str(s.taskId)} is not done`);
  }
  if (ofType('ErasureTaskIssued').length !== list(d.systems).length)
    problem('claim-mismatch', 'systems differ from the proven tasks');
  const exemptions = ofType('ErasureExemptionRecorded').map((e) => ({
    category: e.data.category,
    ground: e.data.ground,
    note: e.data.note ?? null,
    taskId: e.data.taskId ?? null,
  }));
  if (!same(exemptions, d.exemptions))
    problem('claim-mismatch', 'exemptions differ from the proven ErasureExemptionRecorded entries');
  const destroyed = ofType('SubjectKeyDestroyed');
  if (destroyed.length === 0)
    problem('keys-not-destroyed', "no proven SubjectKeyDestroyed for the subject's keys");
  for (const k of list(d.keys).map((x) => (isObj(x) ? x : {}))) {
    const by = destroyed.find((e) => e.id === k.destroyedBy && e.leafIndex === k.position);
    if (!by || !list(by.data.keyIds).includes(k.keyId))
      problem('claim-mismatch', `key ${str(k.keyId)}: no proven destruction`);
  }
};

/**
 * Checks an erasure certificate offline, trusting nothing but the log's key (`keyText`: a C2SP
 * vkey or an SPKI PEM, as for proofs): the Ed25519 signature over the whole certificate, every
 * embedded inclusion proof and the consistency proof, that the proven entries are this case's
 * events and back every claim (request, deadline, extensions, tasks, results, keys), that every
 * task is done and the keys destroyed, and that the canary scan found no trace. Every failed check
 * is named in `problems`; any altered byte fails at least the signature.
 */
export const verifyCertificate = (doc: unknown, keyText: string): CertificateVerdict => {
  const problems: CertificateProblem[] = [];
  const problem = (code: CertificateProblemCode, message: string): void => {
    problems.push({ code, message });
  };
  if (!isObj(doc) || doc.format !== CERTIFICATE_FORMAT) {
    return {
      ok: false,
      problems: [{ code: 'format', message: `not a ${CERTIFICATE_FORMAT} document` }],
    };
  }
  checkSignature(doc, keyText, problem);
  const entries = checkEvents(doc, keyText, problem);
  checkClaims(doc, entries, problem);
  const scan = isObj(doc.canaryScan) ? doc.canaryScan : {};
  if (scan.result !== 'no-trace' || list(scan.hits).length > 0)
    problem('canary-found', 'the canary scan found traces of the subject');
  return { ok: problems.length === 0, problems };
};
