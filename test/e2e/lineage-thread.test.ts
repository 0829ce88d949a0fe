import Database from 'better-sqlite3';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineageTables } from '../../projections/lineage/sqlite/schema.js';
import { createSqliteLineageStore } from '../../projections/lineage/sqlite/store.js';
import { loadOrCreateKek } from '../../src/crypto/kek.js';
import { createSqliteKeyVault } from '../../src/crypto/sqlite-key-vault.js';
import { createIngestor } from '../../src/ingest/ingest.js';
import { startLineageThread } from '../../src/lineage-thread/remote-runner.js';
import { createSqliteEventLog } from '../../src/log/sqlite/event-log.js';
import { createMetrics } from '../../src/metrics.js';
import { lineageRunEvent } from '../support/events.js';
import { cli, removeDir, startServer, tempDir, waitForProjections } from '../support/cli.js';
import { runEvent } from '../unit/lineage/support.js';

const builtWorker = new URL('../../dist/src/lineage-thread/worker.js', import.meta.url);

const datasetNames = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare('SELECT name FROM lineage_datasets ORDER BY name').all() as { name: string }[]
    ).map((r) => r.name);
  } finally {
    db.close();
  }
};

const lineageTablesIn = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'lineage_%'")
        .all() as { name: string }[]
    ).map((r) => r.name);
  } finally {
    db.close();
  }
};

describe('the lineage projection on its own thread (built service)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    const server = await startServer(dir);
    try {
      const demo = await cli(['demo', '--url', server.url, '--data-dir', dir]);
      expect(demo.stderr).toBe('');
      await waitForProjections(server.url);
    } finally {
      await server.stop();
    }
  });
  afterAll(() => {
    removeDir(dir);
  });

  it('writes lineage.sqlite, and nothing of lineage into read-models.sqlite', () => {
    expect(datasetNames(join(dir, 'lineage.sqlite'))).toContain('orders.raw');
    expect(lineageTablesIn(join(dir, 'read-models.sqlite'))).toEqual([]);
  });

  it('moves the lineage of a data directory written by an earlier build, without a rebuild', async () => {
    // An earlier build kept the lineage tables in read-models.sqlite. Copy them there, with a
    // marker no rebuild from the log could produce, and remove lineage.sqlite.
    const old = new Database(join(dir, 'read-models.sqlite'));
    createSqliteLineageStore({ db: old });
    old.prepare('ATTACH DATABASE ? AS current').run(join(dir, 'lineage.sqlite'));
    for (const t of lineageTables) old.exec(`INSERT INTO main.${t} SELECT * FROM current.${t}`);
    old.exec(
      "INSERT INTO main.projection_checkpoints SELECT * FROM current.projection_checkpoints WHERE name = 'lineageGraph'",
    );
    old.exec('DETACH DATABASE current');
    old
      .prepare("INSERT INTO lineage_datasets (namespace, name) VALUES ('x', 'moved-marker')")
      .run();
    old.close();
    for (const suffix of ['', '-wal', '-shm'])
      rmSync(join(dir, `lineage.sqlite${suffix}`), { force: true });

    const server = await startServer(dir);
    try {
      await waitForProjections(server.url);
    } finally {
      await server.stop();
    }
    const names = datasetNames(join(dir, 'lineage.sqlite'));
    expect(names).toContain('orders.raw');
    expect(names).toContain('moved-marker');
    expect(lineageTablesIn(join(dir, 'read-models.sqlite'))).toEqual([]);
  });

  it('gouvernail replay lineageGraph rebuilds it through the thread', async () => {
    const db = new Database(join(dir, 'lineage.sqlite'));
    db.exec('DELETE FROM lineage_datasets');
    db.close();
    const r = await cli(['replay', 'lineageGraph', '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/replayed \d+ events into lineageGraph/);
    expect(datasetNames(join(dir, 'lineage.sqlite'))).toContain('orders.raw');
  });
});

/** A log of `count` lineage run events in `dir`, appended through the ingest path. */
const lineageLog = async (dir: string, count: number) => {
  const log = createSqliteEventLog({ file: join(dir, 'log.sqlite') });
  const vault = createSqliteKeyVault({
    file: join(dir, 'keys.sqlite'),
    kek: loadOrCreateKek({ dataDir: dir }),
  });
  const ingestor = createIngestor({ log, vault, origin: 'test/log', metrics: createMetrics() });
  for (let from = 0; from < count; from += 1000) {
    const events = Array.from({ length: Math.min(1000, count - from) }, (_, k) => {
      const i = from + k;
      const e: Record<string, unknown> = {
        ...lineageRunEvent(
          runEvent({
            run: i,
            job: `job${i % 3}`,
            at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
            inputs: [`in${i}`],
            outputs: [`out${i}`],
          }),
        ),
      };
      delete e.recordedAt;
      return e;
    });
    const r = await ingestor.ingest(events, 'test');
    expect(r.status).toBe('accepted');
  }
  return {
    close: async () => {
      await vault.close();
      await log.close();
    },
  };
};

const checkpointIn = (file: string): number | undefined => {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db
        .prepare("SELECT position FROM projection_checkpoints WHERE name = 'lineageGraph'")
        .get() as { position: number } | undefined
    )?.position;
  } finally {
    db.close();
  }
};

const within = <T>(ms: number, what: string, p: Promise<T>): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => {
        reject(new Error(`${what} took more than ${ms} ms`));
      }, ms),
    ),
  ]);

describe('the lineage thread (built worker, in process)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) removeDir(d);
  });
  const setup = () => {
    expect(existsSync(builtWorker), 'npm run build first').toBe(true);
    const dir = tempDir();
    dirs.push(dir);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const runner = startLineageThread(
      { logFile: join(dir, 'log.sqlite'), lineageFile: join(dir, 'lineage.sqlite'), batchSize: 50 },
      { logger, workerUrl: builtWorker },
    );
    return { dir, lines, runner };
  };

  it('is replaced when it dies, and the new one catches up; its death is logged', async () => {
    const { dir, lines, runner } = setup();
    // No log file yet: the first threads cannot open it and exit.
    const started = runner.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(lines.some((l) => l.includes('lineage projection thread exited'))).toBe(true);
    const log = await lineageLog(dir, 30);
    await within(20_000, 'catching up', started);
    // A new thread may open the log between its creation and the 30 appends: it then catches up
    // with fewer and follows the rest.
    for (let i = 0; i < 200 && checkpointIn(join(dir, 'lineage.sqlite')) !== 29; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(checkpointIn(join(dir, 'lineage.sqlite'))).toBe(29);
    await runner.stop();
    await runner.close();
    expect(datasetNames(join(dir, 'lineage.sqlite'))).toHaveLength(60);
    await log.close();
  });

  it('stops and closes at once while it is being replaced', async () => {
    const { runner } = setup();
    void runner.start();
    await new Promise((r) => setTimeout(r, 150));
    await within(1000, 'stop', runner.stop());
    await within(1000, 'close', runner.close());
    await expect(runner.replay('lineageGraph')).rejects.toThrow('closed');
  });

  it('answers a stop in the middle of a long catch-up', async () => {
    const { dir, runner } = setup();
    const log = await lineageLog(dir, 3000);
    const started = runner.start();
    await within(2000, 'stop', runner.stop());
    await started;
    const reached = checkpointIn(join(dir, 'lineage.sqlite')) ?? -1;
    expect(reached).toBeLessThan(2999);
    await runner.close();
    await log.close();
  });
});

describe('serve with a read model it cannot open', () => {
  it('exits with the error instead of staying up with the lineage thread', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, 'erasure-scan.sqlite'), 'this is not a database');
      const r = await within(20_000, 'serve', cli(['serve', '--data-dir', dir, '--port', '0']));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/not a database/);
    } finally {
      removeDir(dir);
    }
  });
});
