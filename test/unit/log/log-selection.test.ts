import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { openLog } from '../../../src/log/open-log.js';
import { removeDir, tempDir } from '../../support/cli.js';
import { preparedEvent } from '../../support/contracts/event-log.js';

const dirs: string[] = [];
afterEach(() => {
  dirs.splice(0).forEach(removeDir);
});

describe('choosing the log', () => {
  it('defaults to the embedded SQLite log in the data directory', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const config = loadConfig({ GOUVERNAIL_DATA_DIR: dir });
    expect(config.log).toBe('sqlite');
    const log = openLog(config);
    await log.append([preparedEvent('a')]);
    expect(log.tree.size()).toBe(1);
    await log.close();
    expect(existsSync(join(dir, 'log.sqlite'))).toBe(true);
  });

  it('refuses eventstoredb without a connection string, naming the missing key', () => {
    expect(() => loadConfig({ GOUVERNAIL_LOG: 'eventstoredb' })).toThrow(/GOUVERNAIL_ESDB_URL/);
  });

  it('refuses an unknown log and a stream prefix EventStoreDB would treat as a system stream', () => {
    expect(() => loadConfig({ GOUVERNAIL_LOG: 'postgres' })).toThrow(
      "GOUVERNAIL_LOG must be one of sqlite, eventstoredb, got 'postgres'",
    );
    expect(() =>
      loadConfig({
        GOUVERNAIL_LOG: 'eventstoredb',
        GOUVERNAIL_ESDB_URL: 'esdb://127.0.0.1:2113?tls=false',
        GOUVERNAIL_ESDB_STREAM_PREFIX: '$gv-',
      }),
    ).toThrow(/GOUVERNAIL_ESDB_STREAM_PREFIX/);
  });

  it('refuses a stream prefix that another prefix could begin, so two logs never share streams', () => {
    const withPrefix = (prefix: string) => () =>
      loadConfig({
        GOUVERNAIL_LOG: 'eventstoredb',
        GOUVERNAIL_ESDB_URL: 'esdb://127.0.0.1:2113?tls=false',
        GOUVERNAIL_ESDB_STREAM_PREFIX: prefix,
      });
    expect(withPrefix('gv-staging-')).toThrow(/followed by one '-'/);
    expect(withPrefix('gv')).toThrow(/followed by one '-'/);
    expect(withPrefix('gvstaging-')().eventStoreDbPrefix).toBe('gvstaging-');
  });

  it('reads the EventStoreDB settings', () => {
    const config = loadConfig({
      GOUVERNAIL_LOG: 'eventstoredb',
      GOUVERNAIL_ESDB_URL: 'esdb://127.0.0.1:2113?tls=false',
    });
    expect(config).toMatchObject({
      log: 'eventstoredb',
      eventStoreDbUrl: 'esdb://127.0.0.1:2113?tls=false',
      eventStoreDbPrefix: 'gv-',
    });
  });
});

describe('choosing where the lineage projection runs', () => {
  it('runs it on its own thread unless told off, and refuses anything else naming the key', () => {
    expect(loadConfig({}).lineageThread).toBe(true);
    expect(loadConfig({ GOUVERNAIL_LINEAGE_THREAD: 'off' }).lineageThread).toBe(false);
    expect(() => loadConfig({ GOUVERNAIL_LINEAGE_THREAD: 'yes' })).toThrow(
      "GOUVERNAIL_LINEAGE_THREAD must be one of on, off, got 'yes'",
    );
  });
});
