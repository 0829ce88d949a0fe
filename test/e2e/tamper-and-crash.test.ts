import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cli,
  removeDir,
  startServer,
  tempDir,
  tokenFor,
  type RunningServer,
} from '../support/cli.js';
import { newAccessEvent, post } from '../support/new-events.js';

const dirs: string[] = [];
const fresh = (): string => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
afterEach(() => {
  dirs.splice(0).forEach(removeDir);
});

describe('gouvernail verify', () => {
  it('passes on an intact log and names the position of a byte changed in the SQLite file', async () => {
    const dir = fresh();
    const server = await startServer(dir);
    const producer = await tokenFor(dir, 'producer');
    const events = Array.from({ length: 600 }, (_, i) =>
      newAccessEvent(`t-${i}`, { resource: `kafka://prod/topic-${i}-unique` }),
    );
    for (let i = 0; i < events.length; i += 200) {
      expect(
        (await post(server.url, producer, JSON.stringify(events.slice(i, i + 200)))).status,
      ).toBe(200);
      await fetch(`${server.url}/v1/checkpoint`);
    }
    await server.stop();

    const intact = await cli(['verify', '--data-dir', dir]);
    expect(intact.stdout).toBe('OK: 600 entries and 3 signed checkpoints verified\n');
    expect(intact.code).toBe(0);

    const file = join(dir, 'log.sqlite');
    const bytes = readFileSync(file);
    const inEntry = '"resource":"kafka://prod/topic-417-unique"';
    const at = bytes.indexOf(inEntry);
    expect(at).toBeGreaterThan(0);
    expect(bytes.indexOf(inEntry, at + 1)).toBe(-1);
    bytes[at + inEntry.indexOf('417') + 2] = '8'.charCodeAt(0);
    writeFileSync(file, bytes);

    const tampered = await cli(['verify', '--data-dir', dir]);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain(
      'FAIL: entry at position 417 does not match the leaf hash the tree committed to',
    );
    expect(tampered.stderr).toContain('first bad position: 417');
  });
});

describe('crash safety', () => {
  it('after SIGKILL during a retrying ingest, every acknowledged event is present exactly once and verify passes', async () => {
    const dir = fresh();
    let server: RunningServer = await startServer(dir);
    const producer = await tokenFor(dir, 'producer');
    const acknowledged = new Set<string>();
    const batches = Array.from({ length: 60 }, (_, b) =>
      Array.from({ length: 50 }, (_, i) =>
        newAccessEvent(`k-${b}-${i}`, {
          subject: `subj_crashsubject${String(b).padStart(6, '0')}`,
          email: `c${b}@example.org`,
        }),
      ),
    );
    let killed = false;
    let retries = 0;

    const producerLoop = async (): Promise<void> => {
      for (const batch of batches) {
        for (;;) {
          try {
            const res = await post(server.url, producer, JSON.stringify(batch));
            if (res.status !== 200) throw new Error(`status ${res.status}`);
            const body = (await res.json()) as { results: { id: string }[] };
            for (const r of body.results) acknowledged.add(r.id);
            break;
          } catch {
            retries++;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
    };
    const ingest = producerLoop();
    while (acknowledged.size < 600) await new Promise((r) => setTimeout(r, 5));
    await server.kill();
    killed = true;
    server = await startServer(dir);
    await ingest;
    await server.stop();

    expect(killed).toBe(true);
    expect(retries).toBeGreaterThan(0);
    const db = new Database(join(dir, 'log.sqlite'), { readonly: true });
    const rows = db
      .prepare<[], { id: string; position: number }>(
        'SELECT id, position FROM event_ids ORDER BY position',
      )
      .all();
    db.close();
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(rows.every((r, i) => r.position === i)).toBe(true);
    for (const id of acknowledged) expect(ids).toContain(id);
    expect(ids.length).toBe(3000);

    const verify = await cli(['verify', '--data-dir', dir]);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
  });
});
