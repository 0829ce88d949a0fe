import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, removeDir, tempDir } from '../support/cli.js';

const contactPoint = process.env.GOUVERNAIL_TEST_CASSANDRA_CONTACT ?? '127.0.0.1:9042';
const suffix = randomBytes(4).toString('hex');
const dirs: string[] = [];
afterAll(() => {
  dirs.forEach(removeDir);
});

/** `gouvernail serve` on the MongoDB (FerretDB) + Cassandra read stores with `cassandra` settings. */
const serve = (cassandra: Record<string, string>) => {
  const dir = tempDir();
  dirs.push(dir);
  return cli(['serve', '--data-dir', dir, '--port', '0'], {
    env: {
      GOUVERNAIL_READ_STORES: 'mongo+cassandra',
      GOUVERNAIL_MONGO_URL:
        process.env.GOUVERNAIL_TEST_MONGO_URL ?? 'mongodb://127.0.0.1:27017/?directConnection=true',
      GOUVERNAIL_MONGO_DATABASE: `gv_start_${suffix}`,
      GOUVERNAIL_CASSANDRA_KEYSPACE: `gv_start_${suffix}`,
      ...cassandra,
    },
    timeoutMs: 60_000,
  });
};

describe('serve on Cassandra it cannot use', () => {
  it('names the data center it was given and the ones Cassandra has, in one line', async () => {
    const r = await serve({
      GOUVERNAIL_CASSANDRA_CONTACT_POINTS: contactPoint,
      GOUVERNAIL_CASSANDRA_DATACENTER: 'dc9',
    });
    expect(r.stderr).toMatch(
      new RegExp(
        `^gouvernail serve: Cassandra at ${contactPoint} has no data center 'dc9' \\(GOUVERNAIL_CASSANDRA_DATACENTER\\); its hosts are in \\[\\w+\\]\\n$`,
      ),
    );
    expect(r.code).toBe(1);
  });

  it('says why each contact point could not be reached, in one line', async () => {
    const r = await serve({ GOUVERNAIL_CASSANDRA_CONTACT_POINTS: '127.0.0.1:1' });
    expect(r.stderr).toBe(
      'gouvernail serve: cannot reach Cassandra at 127.0.0.1:1: 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n',
    );
    expect(r.code).toBe(1);
  });
});
