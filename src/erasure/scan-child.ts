import { scanForTraces, type TracePattern } from './canary-scan.js';

/**
 * The canary scan's own process (see scan-process.ts). It receives the directories and patterns
 * over the IPC channel (never argv: patterns are the canary and ciphertext), answers with the
 * report or the error, and exits.
 */
interface ScanRequest {
  readonly dirs: readonly string[];
  readonly patterns: readonly { readonly name: string; readonly bytes: string }[];
}

const send = (message: unknown): void => {
  process.send?.(message, () => process.exit(0));
};

process.once('message', (req: ScanRequest) => {
  const patterns: TracePattern[] = req.patterns.map((p) => ({
    name: p.name,
    bytes: new Uint8Array(Buffer.from(p.bytes, 'base64')),
  }));
  scanForTraces(req.dirs, patterns).then(
    (report) => {
      send({ ok: true, report });
    },
    (e: unknown) => {
      send({ ok: false, message: e instanceof Error ? e.message : String(e) });
    },
  );
});
