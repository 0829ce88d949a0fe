import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kekFromBytes } from '../../src/crypto/kek.js';
import { createSqliteKeyVault } from '../../src/crypto/sqlite-key-vault.js';
import { createIngestor, type Ingestor } from '../../src/ingest/ingest.js';
import { createSqliteEventLog } from '../../src/log/sqlite/event-log.js';
import { createMetrics } from '../../src/metrics.js';

export interface EmbeddedIngestor {
  readonly log: ReturnType<typeof createSqliteEventLog>;
  readonly ingestor: Ingestor;
  /** Closes the log and removes the temporary directory. */
  close(): Promise<void>;
}

/** A real ingestor over an embedded log and key vault in a fresh temporary directory. */
export const embeddedIngestor = (): EmbeddedIngestor => {
  const dir = mkdtempSync(join(tmpdir(), 'gv-ingestor-'));
  const log = createSqliteEventLog({ file: join(dir, 'log.sqlite') });
  const vault = createSqliteKeyVault({
    file: join(dir, 'keys.sqlite'),
    kek: kekFromBytes(randomBytes(32)),
  });
  return {
    log,
    ingestor: createIngestor({ log, vault, origin: 'test/log', metrics: createMetrics() }),
    close: async () => {
      await log.close();
      await vault.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
