import fc from 'fast-check';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyLogFile } from '../../../src/audit/verify-log.js';
import { createCheckpointPublisher } from '../../../src/checkpoint/publisher.js';
import { generateSigningKey, verifierFromVkey } from '../../../src/checkpoint/keys.js';
import { createSqliteCheckpointStore } from '../../../src/checkpoint/store.js';
import type { PreparedEvent } from '../../../src/log/event-log.js';
import { createSqliteEventLog } from '../../../src/log/sqlite/event-log.js';
import { openSqlite } from '../../../src/log/sqlite/open.js';
import { migrateRowLayout } from '../../../src/log/sqlite/migrate-row-layout.js';
import { migrateTreeTables } from '../../../src/log/sqlite/schema.js';
import { createSqliteTileStore } from '../../../src/log/sqlite/tiles.js';
import { createMerkleTree } from '../../../src/merkle/tree.js';
import { removeDir, tempDir } from '../../support/cli.js';
import { preparedEvent } from '../../support/contracts/event-log.js';

const dirs: string[] = [];
afterEach(() => {
  dirs.splice(0).forEach(removeDir);
});
const logFile = (): string => {
  const dir = tempDir('gv-bundles-');
  dirs.push(dir);
  return join(dir, 'log.sqlite');
};

/** Three streams, one of them named with multi-byte UTF-8, so bundles mix ASCII and not. */
const resources = ['kafka://prod/orders', 'mongodb://crm/clients-été', 'cassandra://ks/𝔁'];
const eventAt = (i: number, resourceIndex: number): PreparedEvent =>
  preparedEvent(`e-${i}`, resources[resourceIndex]);

/**
 * A log file as gouvernail wrote it before entry bundles: `n` events in `events` rows, the
 * ciphertext of every tenth in `sealed_blobs`, and their Merkle tree. Returns it open.
 */
const oldLayout = (file: string, n: number) => {
  const subject = 'subj_migrated000000000';
  const blobOf = (i: number) => Buffer.from(`ciphertext of ${i}`);
  const events = Array.from({ length: n }, (_, i) =>
    preparedEvent(
      `e-${i}`,
      resources[i % 3],
      i % 10 === 0 ? { subject, blob: blobOf(i) } : undefined,
    ),
  );
  const db = openSqlite(file);
  db.exec(`
    CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
      stream TEXT NOT NULL, recorded_at TEXT NOT NULL, entry BLOB NOT NULL);
    CREATE INDEX events_by_stream ON events (stream, position);
    CREATE TABLE sealed_blobs (position INTEGER NOT NULL, subject TEXT NOT NULL, blob BLOB NOT NULL,
      PRIMARY KEY (position, subject)) WITHOUT ROWID;
    CREATE TABLE sealed_batches (first INTEGER PRIMARY KEY, last INTEGER NOT NULL, subjects TEXT NOT NULL);
  `);
  migrateTreeTables(db);
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)');
  const insertBlob = db.prepare('INSERT INTO sealed_blobs VALUES (?, ?, ?)');
  const tree = createMerkleTree({ tiles: createSqliteTileStore(db), size: 0 });
  db.transaction(() => {
    events.forEach((p, i) => {
      insert.run(i, p.event.id, p.event.type, p.stream, p.event.recordedAt, p.entry);
      if (i % 10 === 0) insertBlob.run(i, subject, blobOf(i));
    });
    db.prepare('INSERT INTO sealed_batches VALUES (0, ?, ?)').run(n - 1, JSON.stringify([subject]));
    tree.append(events.map((p) => p.leafHash));
  })();
  return { db, tree, events, subject };
};

describe('the embedded log over entry bundles', () => {
  it('reads any range and any stream back in log order, across bundle and batch boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 600 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.array(fc.tuple(fc.nat(1500), fc.integer({ min: 1, max: 700 })), { maxLength: 6 }),
        async (batches, ranges) => {
          const file = logFile();
          const log = createSqliteEventLog({ file });
          const all: PreparedEvent[] = [];
          for (const batch of batches) {
            const fresh = batch.map((r, j) => eventAt(all.length + j, r));
            await log.append(fresh);
            all.push(...fresh);
          }
          await log.close();
          const reopened = createSqliteEventLog({ file });
          expect(await reopened.size()).toBe(all.length);
          for (const [from, limit] of ranges) {
            const got = await reopened.read(from, limit);
            const want = all.slice(from, from + limit);
            expect(got.map((e) => e.position)).toEqual(want.map((_, k) => from + k));
            got.forEach((e, k) => {
              expect(Buffer.from(e.entry).equals(Buffer.from(want[k]!.entry))).toBe(true);
              expect(e.event).toEqual(want[k]!.event);
            });
            for (const stream of new Set(all.map((p) => p.stream))) {
              const positions = all
                .map((p, i) => (p.stream === stream && i >= from ? i : -1))
                .filter((i) => i >= 0)
                .slice(0, limit);
              const read = await reopened.readStream(stream, from, limit);
              expect(read.map((e) => e.position)).toEqual(positions);
            }
          }
          const last = all.length - 1;
          expect(await reopened.positionOf(`e-${last}`)).toBe(last);
          await reopened.close();
        },
      ),
      { numRuns: 15 },
    );
  });

  it('refuses to migrate without about three times the file free on its disk, and changes nothing', async () => {
    const file = logFile();
    const { db } = oldLayout(file, 300);
    const size = statSync(file).size + statSync(`${file}-wal`).size;
    expect(() => {
      migrateRowLayout(db, undefined, () => size);
    }).toThrow(/must be migrated once, in place: that needs about [\d,]+ MiB free on its disk/);
    const count = (table: string): number =>
      db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n;
    expect(count('events')).toBe(300);
    expect(count('sealed_blobs')).toBe(30);
    db.close();
    const log = createSqliteEventLog({ file });
    expect(await log.size()).toBe(300);
    expect(log.sealedBlobsOf('subj_migrated000000000')).toHaveLength(30);
    await log.close();
  });

  it('migrates a log of one row per entry in place (also after an interrupted migration): same bytes, ids, streams, ciphertext and tree', async () => {
    const file = logFile();
    const { db, tree, events, subject } = oldLayout(file, 700);
    const root = Buffer.from(tree.root());
    const key = generateSigningKey('test.gouvernail/log');
    createCheckpointPublisher({
      tree: () => tree,
      store: createSqliteCheckpointStore(db),
      signer: key.signer,
      origin: 'test.gouvernail/log',
      intervalMs: 60_000,
    }).publish();
    // What a migration killed before it committed leaves: the new tables, created and empty.
    db.exec(
      'CREATE TABLE entry_bundles (first INTEGER PRIMARY KEY, ends BLOB NOT NULL, entries BLOB NOT NULL)',
    );
    db.close();

    // verify only reads: it checks a file whose migration has not committed as it is.
    expect(verifyLogFile(file, verifierFromVkey(key.vkey))).toMatchObject({
      ok: true,
      entries: 700,
      checkpoints: 1,
    });

    const progress: [number, number][] = [];
    const log = createSqliteEventLog({
      file,
      onMigrate: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual([[700, 700]]);
    expect(await log.size()).toBe(700);
    expect(Buffer.from(log.tree.root()).equals(root)).toBe(true);
    const read = await log.read(0, 700);
    read.forEach((e, i) => {
      expect(Buffer.from(e.entry).equals(Buffer.from(events[i]!.entry))).toBe(true);
    });
    expect(await log.positionOf('e-517')).toBe(517);
    expect((await log.readStream(events[4]!.stream, 0, 5)).map((e) => e.position)).toEqual([
      1, 4, 7, 10, 13,
    ]);
    expect(Buffer.from(log.sealedBlob(350, subject, '')!).toString()).toBe('ciphertext of 350');
    expect(log.sealedBlobsOf(subject)).toHaveLength(70);
    const [appended] = await log.append([eventAt(700, 0)]);
    expect(appended).toMatchObject({ position: 700, status: 'appended' });
    const [again] = await log.append([events[3]!]);
    expect(again).toMatchObject({ position: 3, status: 'duplicate' });
    const tables = log.db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((t) => t.name);
    expect(tables).not.toContain('events');
    expect(tables).not.toContain('sealed_blobs');
    await log.close();
    const reopened = createSqliteEventLog({ file, onMigrate: () => progress.push([-1, -1]) });
    await reopened.close();
    expect(progress).toHaveLength(1);
    expect(verifyLogFile(file, verifierFromVkey(key.vkey))).toMatchObject({
      ok: true,
      entries: 701,
    });
  });

  it("erases one subject's ciphertext from shared rows and leaves every other subject's readable", async () => {
    const log = createSqliteEventLog({ file: logFile() });
    const withBlobs = (i: number, subjects: string[]): PreparedEvent => ({
      ...eventAt(i, 0),
      sealedBlobs: subjects.map((subject) => ({ subject, blob: Buffer.from(`${subject}@${i}`) })),
    });
    await log.append([withBlobs(0, ['subj_a', 'subj_b']), withBlobs(1, ['subj_a'])]);
    await log.append([withBlobs(2, ['subj_a'])]);
    expect(log.deleteSealedBlobs('subj_a')).toBe(3);
    expect(log.sealedBlob(0, 'subj_a', '')).toBeNull();
    expect(Buffer.from(log.sealedBlob(0, 'subj_b', '')!).toString()).toBe('subj_b@0');
    expect(log.sealedBlobsOf('subj_a')).toEqual([]);
    const rows = log.db.prepare('SELECT COUNT(*) AS n FROM sealed_bundles').get() as { n: number };
    expect(rows.n).toBe(1);
    expect(log.deleteSealedBlobs('subj_a')).toBe(0);
    await log.close();
  });
});
