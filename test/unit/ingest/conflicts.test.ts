import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { conflictingDuplicates } from '../../../src/ingest/conflicts.js';
import { createSqliteEventLog } from '../../../src/log/sqlite/event-log.js';
import { removeDir, tempDir } from '../../support/cli.js';
import { preparedEvent } from '../../support/contracts/event-log.js';

const dirs: string[] = [];
afterEach(() => {
  dirs.splice(0).forEach(removeDir);
});

describe('ids reused for other content', () => {
  it('names exactly the duplicates whose content differs, reading each run of positions once', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const log = createSqliteEventLog({ file: join(dir, 'log.sqlite') });
    await log.append(Array.from({ length: 50 }, (_, i) => preparedEvent(`e-${i}`)));
    const batch = [
      preparedEvent('e-3'),
      preparedEvent('e-4'),
      preparedEvent('fresh-1'),
      preparedEvent('e-5', 'kafka://prod/elsewhere'),
      preparedEvent('e-10'),
      preparedEvent('e-40'),
      preparedEvent('e-40', 'kafka://prod/elsewhere'),
    ];
    const outcomes = await log.append(batch);
    let reads = 0;
    const counting = {
      read: (from: number, limit: number) => {
        reads++;
        return log.read(from, limit);
      },
    };
    expect(await conflictingDuplicates(counting, batch, outcomes)).toEqual(new Set([3, 6]));
    expect(reads).toBe(3);
    await log.close();
  });
});
