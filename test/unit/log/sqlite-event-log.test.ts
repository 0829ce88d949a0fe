import { join } from 'node:path';
import { createSqliteEventLog } from '../../../src/log/sqlite/event-log.js';
import { removeDir, tempDir } from '../../support/cli.js';
import { eventLogContract } from '../../support/contracts/event-log.js';

eventLogContract('sqlite', () => {
  const dir = tempDir('gv-log-');
  const log = createSqliteEventLog({ file: join(dir, 'log.sqlite') });
  return Promise.resolve({
    log,
    cleanup: async () => {
      await log.close();
      removeDir(dir);
    },
  });
});
