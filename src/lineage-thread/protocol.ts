import type { ReplayProgress } from '../../projections/runner.js';

/** What the lineage thread is started with. */
export interface LineageThreadData {
  readonly logFile: string;
  readonly lineageFile: string;
  readonly batchSize: number;
}

/** Calls from the main thread; each is answered by one `reply` with the same id. */
export type LineageRequest =
  | { readonly id: number; readonly op: 'start' | 'stop' | 'close' }
  | { readonly id: number; readonly op: 'replay'; readonly name: string };

/** Messages from the lineage thread. */
export type LineageMessage =
  | { readonly type: 'reply'; readonly id: number; readonly error?: string }
  | { readonly type: 'replayProgress'; readonly id: number; readonly progress: ReplayProgress }
  /** A projection batch failed; the runner retries it from its checkpoint. */
  | { readonly type: 'failed'; readonly name: string; readonly error: string }
  /** A projection that had failed applied a batch again. */
  | { readonly type: 'recovered'; readonly name: string };
