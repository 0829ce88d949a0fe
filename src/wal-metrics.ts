import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Gauge, type Registry } from 'prom-client';

const walSuffix = '.sqlite-wal';

/**
 * `gouvernail_sqlite_wal_bytes{file}`: the size of each SQLite write-ahead log in the data directory,
 * read at scrape time. SQLite can only restart a WAL when no reader still needs its start: a reader
 * that never finishes (a stuck `gouvernail verify`, a backup tool) lets it grow without bound, and
 * the disk fills. The alert `GouvernailSqliteWalGrowing` watches this.
 */
export const registerWalMetric = (registry: Registry, dataDir: string): void => {
  new Gauge({
    name: 'gouvernail_sqlite_wal_bytes',
    help: 'Size of each SQLite write-ahead log in the data directory, by database file',
    labelNames: ['file'] as const,
    registers: [registry],
    collect() {
      this.reset();
      let names: string[];
      try {
        names = readdirSync(dataDir).filter((n) => n.endsWith(walSuffix));
      } catch {
        return;
      }
      for (const name of names) {
        try {
          this.set({ file: name.slice(0, -'-wal'.length) }, statSync(join(dataDir, name)).size);
        } catch {
          // removed between the listing and the stat: a checkpoint closed it
        }
      }
    },
  });
};
