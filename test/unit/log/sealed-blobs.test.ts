import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteEventLog } from '../../../src/log/sqlite/event-log.js';
import { removeDir, tempDir } from '../../support/cli.js';
import { preparedEvent } from '../../support/contracts/event-log.js';

const dirs: string[] = [];
afterEach(() => {
  dirs.splice(0).forEach(removeDir);
});

const withBlob = (id: string, subject: string, fill: number) => ({
  ...preparedEvent(id),
  sealedBlobs: [{ subject, blob: new Uint8Array(48).fill(fill) }],
});

describe('sealed ciphertext beside the SQLite log', () => {
  it("deletes every ciphertext of one subject across batches, and only that subject's", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const log = createSqliteEventLog({ file: join(dir, 'log.sqlite') });
    await log.append([
      withBlob('a', 'subj_AAAAAAAAAAAAAAAAAA', 1),
      withBlob('b', 'subj_BBBBBBBBBBBBBBBBBB', 2),
    ]);
    await log.append([preparedEvent('c'), withBlob('d', 'subj_AAAAAAAAAAAAAAAAAA', 3)]);
    expect(log.sealedBlob(3, 'subj_AAAAAAAAAAAAAAAAAA')).toEqual(Buffer.alloc(48, 3));

    expect(log.deleteSealedBlobs('subj_AAAAAAAAAAAAAAAAAA')).toBe(2);
    expect(log.sealedBlob(0, 'subj_AAAAAAAAAAAAAAAAAA')).toBeNull();
    expect(log.sealedBlob(3, 'subj_AAAAAAAAAAAAAAAAAA')).toBeNull();
    expect(log.sealedBlob(1, 'subj_BBBBBBBBBBBBBBBBBB')).toEqual(Buffer.alloc(48, 2));
    expect(log.deleteSealedBlobs('subj_AAAAAAAAAAAAAAAAAA')).toBe(0);
    expect(await log.size()).toBe(4);
    await log.close();
  });
});
