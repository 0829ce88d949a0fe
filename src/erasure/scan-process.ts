import { fork } from 'node:child_process';
import type { ScanReport, TracePattern } from './canary-scan.js';

/**
 * {@link scanForTraces} in a child process. Opening and closing a SQLite file in the process that
 * holds it open releases that process's POSIX locks on it (they belong to the process, not the
 * descriptor): the next process to close the log would then take itself for the last one and
 * delete the live write-ahead log, losing acknowledged entries. Scanning the data directory from a
 * process of its own leaves the service's locks alone.
 */
export const scanInChildProcess = (
  dirs: readonly string[],
  patterns: readonly TracePattern[],
  script: URL = new URL('./scan-child.js', import.meta.url),
): Promise<ScanReport> =>
  new Promise((resolve, reject) => {
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answered = false;
    child.once(
      'message',
      (m: { ok: true; report: ScanReport } | { ok: false; message: string }) => {
        answered = true;
        if (m.ok) resolve(m.report);
        else reject(new Error(`the canary scan failed: ${m.message}`));
      },
    );
    child.once('error', (e) => {
      answered = true;
      reject(new Error(`the canary scan could not start: ${e.message}`, { cause: e }));
    });
    child.once('exit', (code, signal) => {
      if (!answered)
        reject(
          new Error(
            `the canary scan's process ended without an answer (${signal ?? `exit code ${String(code)}`})`,
          ),
        );
    });
    child.send({
      dirs,
      patterns: patterns.map((p) => ({
        name: p.name,
        bytes: Buffer.from(p.bytes).toString('base64'),
      })),
    });
  });
