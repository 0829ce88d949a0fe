import { verifyNote } from '../checkpoint/note.js';
import { verifierFromSpkiPem, verifierFromVkey, type Verifier } from '../checkpoint/keys.js';
import { leafHash } from '../merkle/hash.js';
import { verifyConsistency, verifyInclusion } from '../merkle/verify.js';

export type ProofVerdict = { ok: true; summary: string } | { ok: false; reason: string };

/** A verification key from a file's text: a C2SP vkey line, or an SPKI PEM named after the origin. */
export const verifierFromKeyText = (text: string, origin: string): Verifier => {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) return verifierFromSpkiPem(origin, trimmed);
  return verifierFromVkey(trimmed.split('\n')[0]!.trim());
};

const bytes = (b64: unknown, what: string): Uint8Array => {
  if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64))
    throw new Error(`${what} is not base64`);
  return Buffer.from(b64, 'base64');
};

const hashes = (list: unknown, what: string): Uint8Array[] => {
  if (!Array.isArray(list)) throw new Error(`${what} must be an array of base64 hashes`);
  return list.map((h, i) => {
    const b = bytes(h, `${what}[${i}]`);
    if (b.length !== 32) throw new Error(`${what}[${i}] is not a 32-byte hash`);
    return b;
  });
};

const isCount = (n: unknown): n is number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * Checks a proof document offline, trusting nothing but the key: the checkpoint's signature, that
 * it is for the proof's origin and size, and the RFC 9162 inclusion or consistency path.
 */
export const verifyProofDocument = (doc: unknown, keyText: string): ProofVerdict => {
  try {
    if (typeof doc !== 'object' || doc === null)
      return { ok: false, reason: 'not a proof document (expected a JSON object)' };
    const d = doc as Record<string, unknown>;
    if (typeof d.origin !== 'string') return { ok: false, reason: 'origin is missing' };
    const verifier = verifierFromKeyText(keyText, d.origin);
    if (d.format === 'gouvernail-proof/v1') return verifyInclusionDoc(d, d.origin, verifier);
    if (d.format === 'gouvernail-consistency/v1')
      return verifyConsistencyDoc(d, d.origin, verifier);
    return { ok: false, reason: `unknown proof format '${String(d.format)}'` };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
};

const signedCheckpoint = (note: unknown, origin: string, verifier: Verifier, what: string) => {
  if (typeof note !== 'string') throw new Error(`${what} is missing`);
  const c = verifyNote(note, verifier);
  if (c.origin !== origin) throw new Error(`${what} is for origin '${c.origin}', not '${origin}'`);
  return c;
};

/** The `id` of a canonical entry, or undefined when the bytes are not a JSON object with one. */
const entryId = (entry: Uint8Array): string | undefined => {
  try {
    const event: unknown = JSON.parse(Buffer.from(entry).toString('utf8'));
    const id = (event as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
};

const verifyInclusionDoc = (
  d: Record<string, unknown>,
  origin: string,
  verifier: Verifier,
): ProofVerdict => {
  const c = signedCheckpoint(d.checkpoint, origin, verifier, 'checkpoint');
  if (!isCount(d.leafIndex) || !isCount(d.treeSize))
    return { ok: false, reason: 'leafIndex and treeSize must be non-negative integers' };
  if (c.size !== d.treeSize)
    return { ok: false, reason: `checkpoint is of size ${c.size}, the proof claims ${d.treeSize}` };
  const entry = bytes(d.entry, 'entry');
  const ok = verifyInclusion({
    leafHash: leafHash(entry),
    index: d.leafIndex,
    treeSize: d.treeSize,
    proof: hashes(d.inclusion, 'inclusion'),
    root: c.root,
  });
  if (!ok)
    return {
      ok: false,
      reason: 'the inclusion path does not lead from the entry to the signed root',
    };
  // The path proves the entry's bytes, not the document's eventId beside them: name the id the
  // proven entry holds, and refuse a document whose eventId says otherwise.
  const id = entryId(entry);
  if (id === undefined)
    return { ok: false, reason: 'the proven entry is not a gouvernail event (no string id)' };
  if (d.eventId !== id)
    return {
      ok: false,
      reason: `eventId ${JSON.stringify(d.eventId)} is not the id of the proven entry (${JSON.stringify(id)})`,
    };
  return {
    ok: true,
    summary: `event ${id} is leaf ${d.leafIndex} of ${origin} at tree size ${c.size}, signed by ${verifier.name}`,
  };
};

const verifyConsistencyDoc = (
  d: Record<string, unknown>,
  origin: string,
  verifier: Verifier,
): ProofVerdict => {
  const from = signedCheckpoint(d.fromCheckpoint, origin, verifier, 'fromCheckpoint');
  const to = signedCheckpoint(d.toCheckpoint, origin, verifier, 'toCheckpoint');
  if (from.size !== d.fromSize || to.size !== d.toSize)
    return { ok: false, reason: 'checkpoint sizes differ from fromSize/toSize' };
  const ok = verifyConsistency({
    fromSize: from.size,
    toSize: to.size,
    proof: hashes(d.consistency, 'consistency'),
    fromRoot: from.root,
    toRoot: to.root,
  });
  if (!ok)
    return {
      ok: false,
      reason: `the tree of size ${to.size} does not extend the tree of size ${from.size}`,
    };
  return {
    ok: true,
    summary: `${origin}: tree size ${to.size} is an append-only extension of size ${from.size}`,
  };
};
