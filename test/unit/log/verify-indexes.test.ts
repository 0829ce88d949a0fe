import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLogFile } from '../../../src/audit/verify-log.js';
import { generateSigningKey, verifierFromVkey } from '../../../src/checkpoint/keys.js';
import { createCheckpointPublisher } from '../../../src/checkpoint/publisher.js';
import { createSqliteCheckpointStore } from '../../../src/checkpoint/store.js';
import { createSqliteEventLog } from '../../../src/log/sqlite/event-log.js';
import { removeDir, tempDir } from '../../support/cli.js';
import { preparedEvent } from '../../support/contracts/event-log.js';

/**
 * `gouvernail verify` holds every table proofs and appends rely on to the entries: the tiles at
 * every level, the id index, the stream index and the stored ciphertext.
 */
const origin = 'test.gouvernail/log';
const key = generateSigningKey(origin);
const subject = 'subj_verifyindexes000001';
let dir: string;
let clean: string;

/** A log of `n` events in batches of 1,000, every tenth sealing a blob, with a checkpoint. */
const writeLog = async (file: string, n: number): Promise<void> => {
  const log = createSqliteEventLog({ file });
  for (let first = 0; first < n; first += 1000) {
    await log.append(
      Array.from({ length: Math.min(1000, n - first) }, (_, k) => {
        const i = first + k;
        return preparedEvent(
          `v-${i}`,
          `kafka://prod/t${i % 3}`,
          i % 10 === 0 ? { subject, blob: Buffer.from(`ciphertext ${i}`) } : undefined,
        );
      }),
    );
  }
  createCheckpointPublisher({
    tree: () => log.tree,
    store: createSqliteCheckpointStore(log.db),
    signer: key.signer,
    origin,
    intervalMs: 60_000,
  }).publish();
  await log.close();
};

/** Verifies a copy of the clean log after `tamper` ran SQL on it. */
const verifyAfter = (tamper: (db: Database.Database) => void) => {
  const file = join(dir, `copy-${Math.random().toString(36).slice(2)}.sqlite`);
  copyFileSync(clean, file);
  const db = new Database(file);
  tamper(db);
  db.close();
  return verifyLogFile(file, verifierFromVkey(key.vkey));
};

beforeAll(async () => {
  dir = tempDir('gv-verify-');
  clean = join(dir, 'log.sqlite');
  await writeLog(clean, 2500);
  const db = new Database(clean);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
});
afterAll(() => {
  removeDir(dir);
});

describe('gouvernail verify', () => {
  it('passes the untouched log', () => {
    expect(verifyLogFile(clean, verifierFromVkey(key.vkey))).toMatchObject({
      ok: true,
      entries: 2500,
    });
  });

  it('names an id the index sends to another position, or no longer holds', () => {
    expect(
      verifyAfter((db) => db.prepare("UPDATE event_ids SET position = 6 WHERE id = 'v-5'").run()),
    ).toMatchObject({
      ok: false,
      first: { kind: 'index-mismatch', position: 5, message: expect.stringContaining('v-5') },
    });
    expect(
      verifyAfter((db) => db.prepare("DELETE FROM event_ids WHERE id = 'v-1'").run()),
    ).toMatchObject({ ok: false, first: { kind: 'index-mismatch', position: 1 } });
  });

  it('names a position the stream index lists under another stream, or not at all', () => {
    expect(
      verifyAfter((db) =>
        db
          .prepare(
            "UPDATE stream_runs SET stream = 'resource:kafka://prod/elsewhere' WHERE stream = 'resource:kafka://prod/t1' AND last < 1000",
          )
          .run(),
      ),
    ).toMatchObject({ ok: false, first: { kind: 'index-mismatch', position: 1 } });
  });

  it('names stored ciphertext that its entry does not commit to', () => {
    const report = verifyAfter((db) => {
      const row = db
        .prepare<[], { first: number; blobs: Buffer }>(
          'SELECT first, blobs FROM sealed_bundles ORDER BY first LIMIT 1',
        )
        .get()!;
      row.blobs[0] = row.blobs[0]! ^ 0x01;
      db.prepare('UPDATE sealed_bundles SET blobs = ? WHERE first = ?').run(row.blobs, row.first);
    });
    expect(report).toMatchObject({
      ok: false,
      first: {
        kind: 'index-mismatch',
        position: 0,
        message: expect.stringContaining('commitment'),
      },
    });
  });

  it('names entries missing at the end although the tiles still hold their leaves', () => {
    const report = verifyAfter((db) => {
      // The last bundle (positions 2480-2499) and every index row of it.
      db.prepare('DELETE FROM entry_bundles WHERE first >= 2480').run();
      db.prepare('DELETE FROM event_ids WHERE position >= 2480').run();
    });
    expect(report).toMatchObject({
      ok: false,
      first: { position: 2480, message: expect.stringContaining('position 2480 beyond') },
    });
  });
});

describe('the log refuses to open', () => {
  it('when its tiles hold more leaves than it has entries, instead of reusing their positions', () => {
    const file = join(dir, 'short.sqlite');
    copyFileSync(clean, file);
    const db = new Database(file);
    db.prepare('DELETE FROM entry_bundles WHERE first >= 2480').run();
    db.close();
    expect(() => createSqliteEventLog({ file })).toThrow(
      /holds 2480 entries but its Merkle tiles hold 2500 leaves/,
    );
  });
});

describe('gouvernail verify on a log of more than 65,536 entries', () => {
  it('checks the tiles above the leaves, which proofs read', async () => {
    const big = join(dir, 'big.sqlite');
    await writeLog(big, 66_000);
    const db = new Database(big);
    const tile = db
      .prepare<[], { hashes: Buffer }>('SELECT hashes FROM tiles WHERE level = 1 AND idx = 0')
      .get()!;
    tile.hashes[40] = tile.hashes[40]! ^ 0x01;
    db.prepare('UPDATE tiles SET hashes = ? WHERE level = 1 AND idx = 0').run(tile.hashes);
    db.close();
    expect(verifyLogFile(big, verifierFromVkey(key.vkey))).toMatchObject({
      ok: false,
      first: { kind: 'tile-mismatch', message: expect.stringContaining('tile 1/0') },
    });
  }, 60_000);
});
