import { parentPort } from 'node:worker_threads';
import type { DataKey } from '../crypto/key-vault.js';
import { KEY_BYTES, type PrepareRequest, type PrepareResponse } from './prepare-pool.js';
import { prepareEvent } from './prepare.js';

/**
 * Seals, encodes and hashes one batch per message for the pool in prepare-pool.ts. Entries and leaf
 * hashes go back packed in two transferred buffers; the envelope itself is rebuilt by the caller.
 */
const port = parentPort;
if (!port) throw new Error('prepare-worker must run in a worker thread');

port.on('message', (req: PrepareRequest) => {
  const keys = new Map<string, DataKey>();
  req.subjects.forEach((subject, i) => {
    keys.set(subject, {
      subject,
      keyId: req.keyIds[i]!,
      key: req.keyBytes.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES),
    });
  });
  try {
    const ctx = { origin: req.origin, recordedAt: req.recordedAt, keys };
    const events = JSON.parse(req.events) as Parameters<typeof prepareEvent>[0][];
    const prepared = events.map((e) => prepareEvent(e, ctx));
    const ends = new Uint32Array(prepared.length);
    let total = 0;
    prepared.forEach((p, i) => (ends[i] = total += p.entry.length));
    const entries = new Uint8Array(total);
    const leaves = new Uint8Array(prepared.length * 32);
    prepared.forEach((p, i) => {
      entries.set(p.entry, i === 0 ? 0 : ends[i - 1]);
      leaves.set(p.leafHash, i * 32);
    });
    const res: PrepareResponse = {
      id: req.id,
      ok: true,
      entries,
      ends,
      leaves,
      streams: prepared.map((p) => p.stream),
      sealed: prepared.map((p) => p.event.sealed),
      sealedBlobs: prepared.map((p) => p.sealedBlobs),
    };
    port.postMessage(res, [entries.buffer, ends.buffer, leaves.buffer]);
  } catch (error) {
    const res: PrepareResponse = {
      id: req.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    };
    port.postMessage(res);
  } finally {
    req.keyBytes.fill(0);
  }
});
