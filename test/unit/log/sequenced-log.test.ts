import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCheckpointPublisher } from '../../../src/checkpoint/publisher.js';
import { generateSigningKey, verifierFromVkey } from '../../../src/checkpoint/keys.js';
import { createSqliteCheckpointStore } from '../../../src/checkpoint/store.js';
import { verifySequencedLog } from '../../../src/audit/verify-log.js';
import { commitmentOf } from '../../../src/crypto/seal.js';
import type { EventLog } from '../../../src/log/event-log.js';
import { createSequencedLog } from '../../../src/log/sequenced/sequenced-log.js';
import { createSqliteEventLog } from '../../../src/log/sqlite/event-log.js';
import { leafHash } from '../../../src/merkle/hash.js';
import { verifyInclusion } from '../../../src/merkle/verify.js';
import { removeDir, tempDir } from '../../support/cli.js';
import { eventLogContract, preparedEvent } from '../../support/contracts/event-log.js';

const dirs: string[] = [];
afterEach(() => {
  dirs.splice(0).forEach(removeDir);
});
const freshDir = (): string => {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
};

/** The log the sequencer follows: the embedded SQLite log, which also keeps its own tree as an oracle. */
const innerAt = (dir: string) => createSqliteEventLog({ file: join(dir, 'inner.sqlite') });
const sequencedAt = (dir: string, log: EventLog = innerAt(dir)) =>
  createSequencedLog({ log, file: join(dir, 'sequencer.sqlite') });

eventLogContract('SQLite log beside the Merkle sequencer', () => {
  const dir = tempDir();
  const log = sequencedAt(dir);
  return Promise.resolve({
    log,
    cleanup: async () => {
      await log.close();
      removeDir(dir);
    },
  });
});

describe('the Merkle sequencer beside a log', () => {
  it('acknowledges an append only once the tree holds it, with the root of an independent tree', async () => {
    const dir = freshDir();
    const inner = innerAt(dir);
    const log = sequencedAt(dir, inner);
    for (let b = 0; b < 5; b++) {
      await log.append(Array.from({ length: 77 }, (_, i) => preparedEvent(`b${b}-${i}`)));
      expect(log.tree.size()).toBe(77 * (b + 1));
      expect(Buffer.from(log.tree.root())).toEqual(Buffer.from(inner.tree.root()));
    }
    const [entry] = await log.read(200, 1);
    expect(
      verifyInclusion({
        leafHash: leafHash(entry!.entry),
        index: 200,
        treeSize: log.tree.size(),
        proof: log.tree.inclusionProof(200, log.tree.size()),
        root: log.tree.root(),
      }),
    ).toBe(true);
    await log.close();
  });

  it('resumes from its saved size after a restart, and integrates what other writers appended meanwhile', async () => {
    const dir = freshDir();
    const first = sequencedAt(dir);
    await first.append(Array.from({ length: 300 }, (_, i) => preparedEvent(`a${i}`)));
    await first.close();

    const inner = innerAt(dir);
    await inner.append(Array.from({ length: 40 }, (_, i) => preparedEvent(`other${i}`)));
    const again = sequencedAt(dir, inner);
    await again.append([preparedEvent('after-restart')]);
    expect(again.tree.size()).toBe(341);
    expect(Buffer.from(again.tree.root())).toEqual(Buffer.from(inner.tree.root()));
    await again.close();
  });

  it('keeps the ciphertext of an attempt that failed, and reads the one the logged entry commits to', async () => {
    const dir = freshDir();
    const inner = innerAt(dir);
    let failNext = true;
    const flaky: EventLog = {
      ...inner,
      append: (batch) => {
        if (!failNext) return inner.append(batch);
        failNext = false;
        return Promise.reject(new Error('connection reset'));
      },
    };
    const log = sequencedAt(dir, flaky);
    const subject = 'subj_RETRYRETRYRETRY01';
    const attempt = (fill: number) => ({
      ...preparedEvent('retried'),
      sealedBlobs: [{ subject, blob: new Uint8Array(40).fill(fill) }],
    });
    await expect(log.append([attempt(1)])).rejects.toThrow('connection reset');
    expect(await log.append([attempt(2)])).toEqual([
      { id: 'retried', position: 0, status: 'appended' },
    ]);
    const committed = commitmentOf(new Uint8Array(40).fill(2));
    expect(log.sealedBlob(0, subject, committed)).toEqual(Buffer.alloc(40, 2));
    expect(inner.sealedBlobsOf(subject)).toEqual([]);
    expect(log.deleteSealedBlobs(subject)).toBe(2);
    expect(log.sealedBlob(0, subject, committed)).toBeNull();
    await log.close();
  });

  it('stops at a position out of log order and refuses appends, naming both positions', async () => {
    const dir = freshDir();
    const inner = innerAt(dir);
    const skipping: EventLog = {
      ...inner,
      subscribe: (from, onBatch) =>
        inner.subscribe(from, (batch) =>
          onBatch(batch.map((e) => ({ ...e, position: e.position + 1 }))),
        ),
    };
    const faults: Error[] = [];
    const log = createSequencedLog({
      log: skipping,
      file: join(dir, 'sequencer.sqlite'),
      onFault: (e) => faults.push(e),
    });
    await expect(log.append([preparedEvent('a')])).rejects.toThrow(
      'the log delivered position 1 where the tree expected 0',
    );
    expect(faults).toHaveLength(1);
    expect(log.tree.size()).toBe(0);
    await log.close();
  });

  it('retries a failed read of the log, reporting it, and still acknowledges the append', async () => {
    const dir = freshDir();
    const inner = innerAt(dir);
    let failReads = 1;
    const read = inner.read.bind(inner);
    // The SQLite subscription reads through the log object itself, so this blip reaches it.
    inner.read = (from, limit) => {
      if (from > 0 && failReads-- > 0) return Promise.reject(new Error('network blip'));
      return read(from, limit);
    };
    const errors: unknown[] = [];
    const log = createSequencedLog({
      log: inner,
      file: join(dir, 'sequencer.sqlite'),
      onError: (e) => errors.push(e),
    });
    await log.append([preparedEvent('first')]);
    await log.append([preparedEvent('second')]);
    expect(log.tree.size()).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['network blip']);
    expect(log.fault()).toBeUndefined();
    await log.close();
  });

  it('refuses a saved tree that is ahead of the log or over other entries: it belongs to another log', async () => {
    const dir = freshDir();
    const first = sequencedAt(dir);
    await first.append(Array.from({ length: 10 }, (_, i) => preparedEvent(`x${i}`)));
    await first.close();

    const emptied = createSqliteEventLog({ file: join(dir, 'other.sqlite') });
    const ahead = sequencedAt(dir, emptied);
    await expect(ahead.append([preparedEvent('new0')])).rejects.toThrow(
      'the saved tree holds 10 entries but the log only 0',
    );
    expect(ahead.fault()).toBeDefined();
    await ahead.close();

    const other = createSqliteEventLog({ file: join(dir, 'other2.sqlite') });
    await other.append(Array.from({ length: 10 }, (_, i) => preparedEvent(`y${i}`)));
    const swapped = sequencedAt(dir, other);
    await expect(swapped.append([preparedEvent('new1')])).rejects.toThrow(
      "the log's entry at position 9 is not the one the saved tree committed to",
    );
    await swapped.close();
  });

  it('without the sequencer, follows the tree the running sequencer saves', async () => {
    const dir = freshDir();
    const running = sequencedAt(dir);
    await running.append([preparedEvent('a')]);
    const reader = createSequencedLog({
      log: innerAt(dir),
      file: join(dir, 'sequencer.sqlite'),
      sequence: false,
    });
    expect(reader.tree.size()).toBe(1);
    await running.append([preparedEvent('b'), preparedEvent('c')]);
    expect(reader.tree.size()).toBe(3);
    await expect(reader.append([preparedEvent('d')])).rejects.toThrow('cannot append');
    await reader.close();
    await running.close();
  });

  it('verify recomputes the tree from the log and names the first entry that no longer matches', async () => {
    const dir = freshDir();
    const log = sequencedAt(dir);
    await log.append(Array.from({ length: 500 }, (_, i) => preparedEvent(`v${i}`)));
    const key = generateSigningKey('test.gouvernail/log');
    const publisher = createCheckpointPublisher({
      tree: () => log.tree,
      store: createSqliteCheckpointStore(log.db),
      signer: key.signer,
      origin: 'test.gouvernail/log',
      intervalMs: 60_000,
    });
    publisher.publish();
    await log.close();

    const file = join(dir, 'sequencer.sqlite');
    const inner = innerAt(dir);
    const good = await verifySequencedLog(file, inner, verifierFromVkey(key.vkey));
    expect(good).toMatchObject({ ok: true, entries: 500, checkpoints: 1, pending: 0 });

    inner.db
      .prepare(
        `UPDATE entry_bundles SET entries = CAST(replace(CAST(entries AS TEXT), '"id":"v417"', '"id":"w417"') AS BLOB)`,
      )
      .run();
    const bad = await verifySequencedLog(file, inner, verifierFromVkey(key.vkey));
    expect(bad.ok).toBe(false);
    expect(bad.first).toMatchObject({ kind: 'entry-mismatch', position: 417 });
    await inner.close();
  });
});
