import Database from 'better-sqlite3';
import { createSqliteLineageStore } from '../../../projections/lineage/sqlite/store.js';
import { lineageStoreContract } from '../../support/contracts/lineage-store.js';

lineageStoreContract('sqlite', () =>
  Promise.resolve({
    store: createSqliteLineageStore({ db: new Database(':memory:') }),
    cleanup: () => Promise.resolve(),
  }),
);
