import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/gouvernail.js', import.meta.url));

export const tempDir = (prefix = 'gv-test-'): string => mkdtempSync(join(tmpdir(), prefix));
export const removeDir = (dir: string): void => {
  rmSync(dir, { recursive: true, force: true });
};

/** Makes `dir` a data directory as the service leaves it, for the token secret: it holds one. */
export const withSecret = (dir: string): string => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'jwt-secret'), 's'.repeat(64), { mode: 0o600 });
  return dir;
};

const baseEnv = (env: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GOUVERNAIL_LOG_LEVEL: 'warn',
  ...env,
});

/** The user `nobody`, whom `cli(…, { asNobody: true })` runs the CLI as. */
export const NOBODY = 65534;

const asNobody = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];

/**
 * Whether this process may run the CLI as {@link NOBODY} (root, with util-linux's setpriv, and the
 * built CLI readable by that user): file permissions mean nothing to root itself.
 */
export const canRunAsNobody = (): boolean =>
  process.getuid?.() === 0 &&
  spawnSync('setpriv', [...asNobody, process.execPath, BIN, '--help']).status === 0;

/** Runs the real CLI as a separate process; one still running after `timeoutMs` is killed (code -1). */
export const cli = (
  args: readonly string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    timeoutMs?: number;
    asNobody?: boolean;
  } = {},
): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const [command, ...prefix] = options.asNobody
      ? ['setpriv', ...asNobody, process.execPath]
      : [process.execPath];
    const child = spawn(command, [...prefix, BIN, ...args], {
      env: baseEnv(options.env ?? {}),
      cwd: options.cwd ?? tmpdir(),
      ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });

export interface RunningServer {
  readonly url: string;
  readonly process: ChildProcess;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
}

/** Starts `gouvernail serve` on a free port and waits until it listens. */
export const startServer = (
  dataDir: string,
  env: Record<string, string> = {},
): Promise<RunningServer> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0'], {
      env: baseEnv(env),
      cwd: tmpdir(),
    });
    let out = '';
    let err = '';
    const exited = new Promise<void>((r) => {
      child.once('exit', () => {
        r();
      });
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in 20 s:\n${out}\n${err}`));
    }, 20_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const signal = (s: NodeJS.Signals) => async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill(s);
          await exited;
        };
        resolve({ url: m[1]!, process: child, stop: signal('SIGTERM'), kill: signal('SIGKILL') });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}\n${err}`));
    });
  });

/** A token for `role`, signed with the data directory's local secret. */
export const tokenFor = async (
  dataDir: string,
  role: string,
  sub = `test-${role}`,
): Promise<string> => {
  const r = await cli(['token', '--role', role, '--sub', sub, '--data-dir', dataDir]);
  if (r.code !== 0) throw new Error(`token failed: ${r.stderr}`);
  return r.stdout.trim();
};

/**
 * Waits until the server is ready and its four projections report no lag (read from `/metrics`);
 * fails after 20 s.
 */
export const waitForProjections = async (url: string): Promise<void> => {
  for (let i = 0; i < 200; i++) {
    const ready = await fetch(`${url}/readyz`);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const lags = [...metrics.matchAll(/^gouvernail_projection_lag_events\{[^}]*\} (\d+)/gm)];
    if (ready.status === 200 && lags.length >= 4 && lags.every((m) => m[1] === '0')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('projections did not catch up in 20 s');
};

/** POSTs `events` to a running server's /v1/events with a producer token of `dataDir`. */
export const postEvents = async (
  url: string,
  dataDir: string,
  events: readonly unknown[],
): Promise<Response> =>
  fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await tokenFor(dataDir, 'producer')}`,
    },
    body: JSON.stringify(events),
  });
