import { parentPort } from 'node:worker_threads';
import type { ValidEvent } from '../../domain/validation.js';
import type { DataKey } from '../crypto/key-vault.js';
import { checkBatch, subjectsToSeal } from './check-batch.js';
import {
  KEY_BYTES,
  type PoolRequest,
  type PoolResponse,
  type PreparedMeta,
} from './prepare-pool.js';
import { prepareEvent } from './prepare.js';

/**
 * The worker side of prepare-pool.ts: checks a batch (parse, validate, producer rules), keeps what
 * it accepted, then seals, encodes and hashes it with the keys it is sent. Entries, leaf hashes and
 * ciphertext go back packed in transferred buffers, with one JSON text of ids, types and streams.
 */
const port = parentPort;
if (!port) throw new Error('prepare-worker must run in a worker thread');

const held = new Map<number, ValidEvent[]>();

const prepare = (
  req: Extract<PoolRequest, { kind: 'prepare' }>,
  events: readonly ValidEvent[],
): PoolResponse & { kind: 'prepared' } => {
  const keys = new Map<string, DataKey>();
  req.subjects.forEach((subject, i) => {
    keys.set(subject, {
      subject,
      keyId: req.keyIds[i]!,
      key: req.keyBytes.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES),
    });
  });
  const ctx = { origin: req.origin, recordedAt: req.recordedAt, keys };
  const prepared = events.map((e) => prepareEvent(e, ctx));
  const ends = new Uint32Array(prepared.length);
  let total = 0;
  let blobBytes = 0;
  prepared.forEach((p, i) => {
    ends[i] = total += p.entry.length;
    for (const s of p.sealedBlobs) blobBytes += s.blob.length;
  });
  const entries = new Uint8Array(total);
  const leaves = new Uint8Array(prepared.length * 32);
  const blobs = new Uint8Array(blobBytes);
  const sealed: [number, string, number][] = [];
  let blobEnd = 0;
  prepared.forEach((p, i) => {
    entries.set(p.entry, i === 0 ? 0 : ends[i - 1]);
    leaves.set(p.leafHash, i * 32);
    for (const s of p.sealedBlobs) {
      blobs.set(s.blob, blobEnd);
      sealed.push([i, s.subject, (blobEnd += s.blob.length)]);
    }
  });
  const meta: PreparedMeta = {
    ids: prepared.map((p) => p.id),
    types: prepared.map((p) => p.type),
    streams: prepared.map((p) => p.stream),
    sealed,
  };
  return {
    kind: 'prepared',
    id: req.id,
    entries,
    ends,
    leaves,
    blobs,
    meta: JSON.stringify(meta),
  };
};

const answer = (req: PoolRequest): { res: PoolResponse; transfer: ArrayBuffer[] } | undefined => {
  switch (req.kind) {
    case 'check': {
      const { valid, rejected } = checkBatch(JSON.parse(req.events) as unknown[], req);
      if (rejected.length === 0) held.set(req.id, valid);
      const subjects = rejected.length === 0 ? subjectsToSeal(valid) : [];
      return { res: { kind: 'checked', id: req.id, rejected, subjects }, transfer: [] };
    }
    case 'prepare': {
      const events = held.get(req.id);
      held.delete(req.id);
      try {
        if (!events) throw new Error(`batch ${String(req.id)} is not held by this worker`);
        const res = prepare(req, events);
        return {
          res,
          transfer: [
            res.entries.buffer,
            res.ends.buffer,
            res.leaves.buffer,
            res.blobs.buffer,
          ] as ArrayBuffer[],
        };
      } finally {
        req.keyBytes.fill(0);
      }
    }
    case 'drop':
      held.delete(req.id);
      return undefined;
  }
};

port.on('message', (req: PoolRequest) => {
  try {
    const out = answer(req);
    if (out) port.postMessage(out.res, out.transfer);
  } catch (error) {
    if (req.kind === 'check') held.delete(req.id);
    const res: PoolResponse = {
      kind: 'failed',
      id: req.id,
      message: error instanceof Error ? error.message : String(error),
    };
    port.postMessage(res);
  }
});
