import Database from 'better-sqlite3';
import { createSqliteConfigStore } from '../../../projections/config/sqlite/store.js';
import { configStoreContract } from '../../support/contracts/config-store.js';

configStoreContract('sqlite', () =>
  Promise.resolve({
    store: createSqliteConfigStore({ db: new Database(':memory:') }),
    cleanup: () => Promise.resolve(),
  }),
);
