import type { RecordedEnvelope } from '../../domain/envelope.js';
import type { DataKey } from '../crypto/key-vault.js';
import type { PreparedEvent } from '../log/event-log.js';
import type { RejectedEvent } from './check-batch.js';
import { createWorkerSlot } from './worker-slot.js';

/** AES-256 data keys. */
export const KEY_BYTES = 32;

/**
 * Messages to a prepare worker. A batch is checked first (parsed, validated, producer rules); the
 * worker keeps the events it accepted until it is told to prepare them with the data keys of the
 * subjects it named, or to drop them.
 */
export type PoolRequest =
  | {
      readonly kind: 'check';
      readonly id: number;
      /** The batch as one JSON array: far cheaper to pass than a structured clone of each event. */
      readonly events: string;
      readonly validate: boolean;
      readonly producer: boolean;
    }
  | {
      readonly kind: 'prepare';
      readonly id: number;
      readonly origin: string;
      readonly recordedAt: string;
      readonly subjects: readonly string[];
      readonly keyIds: readonly string[];
      /** The data keys of `subjects`, 32 bytes each: a copy transferred for this batch, zeroed by the worker after use. */
      readonly keyBytes: Uint8Array;
    }
  | { readonly kind: 'drop'; readonly id: number };

/** What the worker tells about each prepared event, as one JSON text beside the packed bytes. */
export interface PreparedMeta {
  readonly ids: readonly string[];
  readonly types: readonly string[];
  readonly streams: readonly string[];
  /** `[event index, subject, end in blobs]` per sealed blob, in event order. */
  readonly sealed: readonly (readonly [number, string, number])[];
}

export type PoolResponse =
  | {
      readonly kind: 'checked';
      readonly id: number;
      readonly rejected: readonly RejectedEvent[];
      readonly subjects: readonly string[];
    }
  | {
      readonly kind: 'prepared';
      readonly id: number;
      /** Every entry, back to back; `ends[i]` is where entry i ends. */
      readonly entries: Uint8Array;
      readonly ends: Uint32Array;
      /** 32 bytes per leaf hash. */
      readonly leaves: Uint8Array;
      /** Every sealed blob, back to back (see `PreparedMeta.sealed`). */
      readonly blobs: Uint8Array;
      readonly meta: string;
    }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };

const decoder = new TextDecoder();

/** The prepared events of a worker's answer; each envelope is parsed from its entry only if read. */
const unpack = (res: Extract<PoolResponse, { kind: 'prepared' }>): PreparedEvent[] => {
  const meta = JSON.parse(res.meta) as PreparedMeta;
  const blobsOf: { subject: string; blob: Uint8Array }[][] = meta.ids.map(() => []);
  let start = 0;
  for (const [i, subject, end] of meta.sealed) {
    blobsOf[i]!.push({ subject, blob: res.blobs.subarray(start, end) });
    start = end;
  }
  return meta.ids.map((id, i) => {
    const entry = res.entries.subarray(i === 0 ? 0 : res.ends[i - 1], res.ends[i]);
    let event: RecordedEnvelope | undefined;
    return {
      id,
      type: meta.types[i]!,
      get event() {
        return (event ??= JSON.parse(decoder.decode(entry)) as RecordedEnvelope);
      },
      entry,
      leafHash: res.leaves.subarray(i * 32, i * 32 + 32),
      stream: meta.streams[i]!,
      sealedBlobs: blobsOf[i]!,
    };
  });
};

/** A batch a worker has checked and holds: what it refused, and which subjects' keys sealing needs. */
export interface CheckedBatch {
  readonly rejected: readonly RejectedEvent[];
  readonly subjects: readonly string[];
  /** Seals, encodes and hashes the accepted events on the worker that checked them. */
  prepare(ctx: {
    origin: string;
    recordedAt: string;
    keys: ReadonlyMap<string, DataKey>;
  }): Promise<PreparedEvent[]>;
  /** Lets the worker forget the batch (it will not be prepared). */
  drop(): void;
}

/** Checks and prepares (seals, encodes, hashes) whole batches on worker threads. */
export interface PreparePool {
  check(
    events: readonly unknown[],
    options: { validate: boolean; producer: boolean },
  ): Promise<CheckedBatch>;
  close(): Promise<void>;
}

/**
 * A pool of `size` worker threads that check and prepare batches while the caller's thread commits
 * earlier ones, so the committing thread does little more than write. Positions are still assigned
 * by the log's append, so the pool pays off when several batches are in flight (concurrent
 * producers). Data keys go to the worker as copies of their bytes by postMessage, inside this
 * process, and are zeroed there after the batch. A worker that dies fails only the batches it held;
 * the next batch for it starts a new one (worker-slot.ts).
 */
export const createPreparePool = ({
  size = 1,
  workerUrl = new URL('./prepare-worker.js', import.meta.url),
}: {
  size?: number;
  /** The worker's module; tests that run from source point it at the build. */
  workerUrl?: URL;
} = {}): PreparePool => {
  const slots = Array.from({ length: Math.max(1, size) }, () => createWorkerSlot(workerUrl));
  let nextId = 0;
  return {
    check: async (events, { validate, producer }) => {
      const id = nextId++;
      const slot = slots[id % slots.length]!;
      const checked = await slot.ask({
        kind: 'check',
        id,
        events: JSON.stringify(events),
        validate,
        producer,
      });
      if (checked.kind !== 'checked') throw new Error(`prepare worker answered ${checked.kind}`);
      const holder = slot.generation;
      return {
        rejected: checked.rejected,
        subjects: checked.subjects,
        drop: () => {
          if (slot.generation === holder) slot.post({ kind: 'drop', id });
        },
        prepare: async ({ origin, recordedAt, keys }) => {
          if (slot.generation !== holder)
            throw new Error('the prepare worker holding this batch stopped; send the batch again');
          const list = [...keys.values()];
          const short = list.find((k) => k.key.length !== KEY_BYTES);
          if (short) {
            slot.post({ kind: 'drop', id });
            throw new RangeError(`data key ${short.keyId} is not ${String(KEY_BYTES)} bytes`);
          }
          const keyBytes = new Uint8Array(list.length * KEY_BYTES);
          list.forEach((k, i) => {
            keyBytes.set(k.key, i * KEY_BYTES);
          });
          const prepared = await slot
            .ask(
              {
                kind: 'prepare',
                id,
                origin,
                recordedAt,
                subjects: list.map((k) => k.subject),
                keyIds: list.map((k) => k.keyId),
                keyBytes,
              },
              [keyBytes.buffer],
            )
            .catch((error: unknown) => {
              keyBytes.fill(0); // a no-op once transferred: the copy then went to the worker
              throw error;
            });
          if (prepared.kind !== 'prepared')
            throw new Error(`prepare worker answered ${prepared.kind}`);
          return unpack(prepared);
        },
      };
    },
    close: async () => {
      await Promise.all(slots.map((s) => s.close()));
    },
  };
};
