import { randomBytes } from 'node:crypto';
import { graphqlEndToEnd } from '../support/graphql-e2e.js';

/** The same GraphQL suite as test/e2e/graphql.test.ts, with lineage and configuration in real FerretDB and access history in real Cassandra. */
const suffix = randomBytes(4).toString('hex');
graphqlEndToEnd('MongoDB (FerretDB) + Cassandra read stores', () => ({
  GOUVERNAIL_READ_STORES: 'mongo+cassandra',
  GOUVERNAIL_MONGO_URL:
    process.env.GOUVERNAIL_TEST_MONGO_URL ?? 'mongodb://127.0.0.1:27017/?directConnection=true',
  GOUVERNAIL_MONGO_DATABASE: `gv_e2e_${suffix}`,
  GOUVERNAIL_CASSANDRA_CONTACT_POINTS:
    process.env.GOUVERNAIL_TEST_CASSANDRA_CONTACT ?? '127.0.0.1:9042',
  GOUVERNAIL_CASSANDRA_KEYSPACE: `gv_e2e_${suffix}`,
}));
