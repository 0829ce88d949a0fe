import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite, WAL_SIZE_LIMIT } from '../../../src/log/sqlite/open.js';
import { registerWalMetric } from '../../../src/wal-metrics.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const walBytes = async (registry: Registry): Promise<Record<string, number>> => {
  const [metric] = (await registry.getMetricsAsJSON()).filter(
    (m) => m.name === 'gouvernail_sqlite_wal_bytes',
  );
  return Object.fromEntries(metric!.values.map((v) => [String(v.labels.file), v.value]));
};

describe('gouvernail_sqlite_wal_bytes', () => {
  it('shows a WAL held open by a reader growing, and its reset once the reader is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gv-wal-'));
    dirs.push(dir);
    const registry = new Registry();
    registerWalMetric(registry, dir);
    const writer = new Database(join(dir, 'log.sqlite'));
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 100');
    writer.exec('CREATE TABLE t (x BLOB)');
    const reader = new Database(join(dir, 'log.sqlite'), { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM t').get();

    const insert = writer.prepare('INSERT INTO t VALUES (randomblob(4000))');
    const write = (n: number) => {
      for (let i = 0; i < n; i++) insert.run();
    };
    write(200);
    const first = (await walBytes(registry))['log.sqlite']!;
    write(200);
    const second = (await walBytes(registry))['log.sqlite']!;
    expect(first).toBeGreaterThan(800_000);
    expect(second).toBeGreaterThan(first + 800_000);

    reader.exec('COMMIT');
    reader.close();
    writer.pragma('wal_checkpoint(TRUNCATE)');
    expect(await walBytes(registry)).toEqual({ 'log.sqlite': 0 });
    writer.close();
    expect(await walBytes(registry)).toEqual({});
  });

  it('is cut back to 64 MiB when SQLite restarts it, in every database gouvernail writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gv-wal-'));
    dirs.push(dir);
    const db = openSqlite(join(dir, 'x.sqlite'));
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(WAL_SIZE_LIMIT);
    db.close();
    expect(WAL_SIZE_LIMIT).toBe(64 * 1024 * 1024);
  });

  it('reports nothing for a data directory that does not exist yet', async () => {
    const registry = new Registry();
    registerWalMetric(registry, join(tmpdir(), 'gv-wal-missing-dir'));
    expect(await walBytes(registry)).toEqual({});
  });
});
