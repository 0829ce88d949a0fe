import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitmentOf } from '../../../src/crypto/seal.js';
import { createSequencedLog } from '../../../src/log/sequenced/sequenced-log.js';
import { createSqliteEventLog } from '../../../src/log/sqlite/event-log.js';
import type { VerifiableLog } from '../../../src/log/verifiable-log.js';
import { removeDir, tempDir } from '../../support/cli.js';
import { preparedEvent } from '../../support/contracts/event-log.js';

const dirs: string[] = [];
afterEach(() => {
  dirs.splice(0).forEach(removeDir);
});

const A = 'subj_AAAAAAAAAAAAAAAAAA';
const B = 'subj_BBBBBBBBBBBBBBBBBB';
const blob = (fill: number) => new Uint8Array(48).fill(fill);
const withBlob = (id: string, subject: string, fill: number) => ({
  ...preparedEvent(id),
  sealedBlobs: [{ subject, blob: blob(fill) }],
});

const logs: Record<string, (dir: string) => VerifiableLog> = {
  'the embedded SQLite log': (dir) => createSqliteEventLog({ file: join(dir, 'log.sqlite') }),
  'a log beside the Merkle sequencer': (dir) =>
    createSequencedLog({
      log: createSqliteEventLog({ file: join(dir, 'inner.sqlite') }),
      file: join(dir, 'sequencer.sqlite'),
    }),
};

describe.each(Object.entries(logs))('sealed ciphertext: %s', (_name, open) => {
  it("deletes every ciphertext of one subject across batches, and only that subject's", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const log = open(dir);
    await log.append([withBlob('a', A, 1), withBlob('b', B, 2)]);
    await log.append([preparedEvent('c'), withBlob('d', A, 3)]);
    expect(log.sealedBlob(3, A, commitmentOf(blob(3)))).toEqual(Buffer.alloc(48, 3));
    expect(
      log
        .sealedBlobsOf(A)
        .map((b) => b[0])
        .sort(),
    ).toEqual([1, 3]);

    expect(log.deleteSealedBlobs(A)).toBe(2);
    expect(log.sealedBlob(0, A, commitmentOf(blob(1)))).toBeNull();
    expect(log.sealedBlob(3, A, commitmentOf(blob(3)))).toBeNull();
    expect(log.sealedBlobsOf(A)).toEqual([]);
    expect(log.sealedBlob(1, B, commitmentOf(blob(2)))).toEqual(Buffer.alloc(48, 2));
    expect(log.deleteSealedBlobs(A)).toBe(0);
    expect(await log.size()).toBe(4);
    await log.close();
  });
});
