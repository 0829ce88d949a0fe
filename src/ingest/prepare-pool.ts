import { Worker } from 'node:worker_threads';
import type { SealedRef } from '../../domain/envelope.js';
import type { ValidEvent } from '../../domain/validation.js';
import type { DataKey } from '../crypto/key-vault.js';
import type { PreparedEvent } from '../log/event-log.js';
import { recordedEnvelope } from './prepare.js';

/** AES-256 data keys. */
export const KEY_BYTES = 32;

export interface PrepareRequest {
  readonly id: number;
  readonly origin: string;
  readonly recordedAt: string;
  /** The validated events as one JSON array: far cheaper to pass than a structured clone of each. */
  readonly events: string;
  readonly subjects: readonly string[];
  readonly keyIds: readonly string[];
  /** The data keys of `subjects`, 32 bytes each: a copy transferred for this batch, zeroed by the worker after use. */
  readonly keyBytes: Uint8Array;
}

export type PrepareResponse =
  | {
      readonly id: number;
      readonly ok: true;
      /** Every entry, back to back; `ends[i]` is where entry i ends. */
      readonly entries: Uint8Array;
      readonly ends: Uint32Array;
      /** 32 bytes per leaf hash. */
      readonly leaves: Uint8Array;
      readonly streams: readonly string[];
      readonly sealed: readonly (Readonly<Record<string, SealedRef>> | undefined)[];
      readonly sealedBlobs: PreparedEvent['sealedBlobs'][];
    }
  | { readonly id: number; readonly ok: false; readonly message: string };

const unpack = (
  events: readonly ValidEvent[],
  recordedAt: string,
  res: Extract<PrepareResponse, { ok: true }>,
): PreparedEvent[] =>
  events.map((e, i) => ({
    event: recordedEnvelope(e, recordedAt, res.sealed[i]),
    entry: res.entries.subarray(i === 0 ? 0 : res.ends[i - 1], res.ends[i]),
    leafHash: res.leaves.subarray(i * 32, i * 32 + 32),
    stream: res.streams[i]!,
    sealedBlobs: res.sealedBlobs[i]!,
  }));

/** Runs prepareEvent (seal, encode, hash) for whole batches on worker threads. */
export interface PreparePool {
  prepare(
    events: readonly ValidEvent[],
    ctx: { origin: string; recordedAt: string; keys: ReadonlyMap<string, DataKey> },
  ): Promise<PreparedEvent[]>;
  close(): Promise<void>;
}

/**
 * A pool of `size` worker threads that prepare batches while the caller's thread commits earlier
 * ones. Positions are still assigned by the log's append, so the pool only pays off when several
 * batches are in flight (concurrent producers). Data keys go to the worker as copies of their bytes
 * by postMessage, inside this process, and are zeroed there after the batch.
 */
export const createPreparePool = ({ size = 1 }: { size?: number } = {}): PreparePool => {
  const pending = new Map<
    number,
    {
      events: readonly ValidEvent[];
      recordedAt: string;
      resolve: (p: PreparedEvent[]) => void;
      reject: (e: Error) => void;
    }
  >();
  const fail = (error: Error): void => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    for (const w of workers) w.unref();
  };
  const workers: Worker[] = Array.from({ length: Math.max(1, size) }, () => {
    const w = new Worker(new URL('./prepare-worker.js', import.meta.url));
    w.on('message', (res: PrepareResponse) => {
      const p = pending.get(res.id);
      if (!p) return;
      pending.delete(res.id);
      if (pending.size === 0) for (const other of workers) other.unref();
      if (res.ok) p.resolve(unpack(p.events, p.recordedAt, res));
      else p.reject(new Error(res.message));
    });
    w.on('error', fail);
    w.on('exit', (code) => {
      if (pending.size > 0) fail(new Error(`prepare worker exited with code ${String(code)}`));
    });
    w.unref();
    return w;
  });
  let nextId = 0;
  return {
    prepare: (events, { origin, recordedAt, keys }) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const list = [...keys.values()];
        const keyBytes = new Uint8Array(list.length * KEY_BYTES);
        list.forEach((k, i) => {
          if (k.key.length !== KEY_BYTES)
            throw new RangeError(`data key ${k.keyId} is not ${String(KEY_BYTES)} bytes`);
          keyBytes.set(k.key, i * KEY_BYTES);
        });
        const req: PrepareRequest = {
          id,
          origin,
          recordedAt,
          events: JSON.stringify(events),
          subjects: list.map((k) => k.subject),
          keyIds: list.map((k) => k.keyId),
          keyBytes,
        };
        if (pending.size === 0) for (const w of workers) w.ref();
        pending.set(id, { events, recordedAt, resolve, reject });
        workers[id % workers.length]!.postMessage(req, [keyBytes.buffer]);
      }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
};
