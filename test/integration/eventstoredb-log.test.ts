import { EventStoreDBClient } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';
import { createEventStoreDbLog } from '../../src/log/eventstoredb/event-log.js';
import { eventLogContract } from '../support/contracts/event-log.js';

/**
 * No EventStoreDB server can be installed on these machines (no registry serves one), so this
 * contract suite runs only where GOUVERNAIL_ESDB_URL names a reachable server, e.g.
 * `esdb://127.0.0.1:2113?tls=false`. Everywhere else it is reported as skipped, never as passed.
 */
const url = process.env.GOUVERNAIL_ESDB_URL;

if (url) {
  eventLogContract('eventstoredb', () => {
    const client = EventStoreDBClient.connectionString(url);
    const log = createEventStoreDbLog({ client, prefix: `gv${randomUUID().slice(0, 8)}-` });
    return Promise.resolve({ log, cleanup: () => log.close() });
  });
} else {
  describe('EventLog contract: eventstoredb', () => {
    it.skip('needs GOUVERNAIL_ESDB_URL (no EventStoreDB server is installable here)', () =>
      undefined);
  });
}
