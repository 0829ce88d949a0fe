import { retryDelayMs, type StoredEntry, type Subscription } from './event-log.js';

/**
 * The subscription loop of every log adapter: reads batches from `from` on and awaits `onBatch` for
 * each; when nothing is new, waits `idleMs` or until `wake()` (an append seen by this process). A
 * failed read or handler is reported to `onError` and tried again after a growing delay, the same
 * batch included: the loop only ends when closed.
 */
export const followLog = ({
  read,
  from,
  onBatch,
  onError,
  idleMs,
}: {
  read: (from: number) => Promise<StoredEntry[]>;
  from: number;
  onBatch: (batch: StoredEntry[]) => Promise<void>;
  onError?: ((error: unknown) => void) | undefined;
  idleMs: number;
}): Subscription & { wake(): void } => {
  let stopped = false;
  let missed = false;
  let resume: (() => void) | undefined;
  const pause = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      resume = resolve;
      setTimeout(resolve, ms).unref();
    });
  const loop = async (): Promise<void> => {
    let next = from;
    let failures = 0;
    while (!stopped) {
      missed = false;
      try {
        const batch = await read(next);
        if (stopped) break;
        if (batch.length > 0) {
          await onBatch(batch);
          next = batch[batch.length - 1]!.position + 1;
          failures = 0;
          continue;
        }
      } catch (error) {
        if (stopped) break;
        onError?.(error);
        await pause(retryDelayMs(failures++));
        continue;
      }
      if (!missed) await pause(idleMs);
    }
  };
  const done = loop();
  return {
    wake: () => {
      missed = true;
      resume?.();
    },
    close: async () => {
      stopped = true;
      resume?.();
      await done;
    },
  };
};
