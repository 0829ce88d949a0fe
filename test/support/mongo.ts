import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll } from 'vitest';

/**
 * A fresh database on the real MongoDB/FerretDB of the integration tier (GOUVERNAIL_TEST_MONGO_URL),
 * dropped after the file's tests. Fails, never skips, when the server cannot be reached.
 */
export const useTestMongo = (label: string): Db => {
  const url =
    process.env.GOUVERNAIL_TEST_MONGO_URL ?? 'mongodb://127.0.0.1:27017/?directConnection=true';
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  const db = client.db(`gv_test_${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`);
  beforeAll(async () => {
    try {
      await client.connect();
      await db.command({ ping: 1 });
    } catch (cause) {
      throw new Error(
        `MongoDB/FerretDB is not reachable at ${url} (set GOUVERNAIL_TEST_MONGO_URL or run \`bash scripts/services/up.sh ferretdb\`)`,
        { cause },
      );
    }
  }, 60_000);
  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });
  return db;
};
