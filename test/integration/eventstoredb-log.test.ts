import { EventStoreDBClient } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEventStoreDbLog } from '../../src/log/eventstoredb/event-log.js';
import { eventLogContract, preparedEvent } from '../support/contracts/event-log.js';

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

  describe('EventStoreDB log: subscriptions', () => {
    it('delivers an append of this process at once, not at the next poll', async () => {
      const client = EventStoreDBClient.connectionString(url);
      const log = createEventStoreDbLog({
        client,
        prefix: `gv${randomUUID().slice(0, 8)}-`,
        pollMs: 600_000,
      });
      try {
        const seen: string[] = [];
        let delivered: () => void = () => undefined;
        const arrived = new Promise<void>((resolve) => (delivered = resolve));
        const sub = log.subscribe(0, (batch) => {
          seen.push(...batch.map((e) => e.event.id));
          if (seen.includes('late')) delivered();
          return Promise.resolve();
        });
        await log.append([preparedEvent('early')]);
        await new Promise((r) => setTimeout(r, 500));
        await log.append([preparedEvent('late')]);
        await Promise.race([
          arrived,
          new Promise((_, reject) =>
            setTimeout(() => {
              reject(new Error(`only ${seen.join(', ')} within 20 s`));
            }, 20_000),
          ),
        ]);
        expect(seen).toEqual(['early', 'late']);
        await sub.close();
      } finally {
        await log.close();
      }
    });
  });
} else {
  describe('EventLog contract: eventstoredb', () => {
    it.skip('needs GOUVERNAIL_ESDB_URL (no EventStoreDB server is installable here)', () =>
      undefined);
  });
}
