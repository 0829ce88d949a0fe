import Database from 'better-sqlite3';
import { createSqliteErasureStore } from '../../../projections/erasure/sqlite/store.js';
import { erasureContractNow, erasureStoreContract } from '../../support/contracts/erasure-store.js';

erasureStoreContract('sqlite', () =>
  Promise.resolve({
    store: createSqliteErasureStore({
      db: new Database(':memory:'),
      now: () => erasureContractNow,
    }),
    cleanup: () => Promise.resolve(),
  }),
);
