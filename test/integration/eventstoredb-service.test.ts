import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  removeDir,
  startServer,
  tempDir,
  tokenFor,
  type RunningServer,
} from '../support/cli.js';
import { newAccessEvent, post } from '../support/new-events.js';

/**
 * `gouvernail serve` with GOUVERNAIL_LOG=eventstoredb: ingest, proofs verified offline, and
 * `gouvernail verify` recomputing the sequencer's tree from the EventStoreDB entries. Like the
 * adapter's contract suite, it runs only where GOUVERNAIL_ESDB_URL names a reachable server: none
 * can be installed on these machines, so elsewhere it is reported as skipped, never as passed.
 */
const url = process.env.GOUVERNAIL_ESDB_URL;

if (url) {
  describe('the service on EventStoreDB', () => {
    let dir: string;
    let server: RunningServer;
    const env = {
      GOUVERNAIL_LOG: 'eventstoredb',
      GOUVERNAIL_ESDB_URL: url,
      GOUVERNAIL_ESDB_STREAM_PREFIX: `gv${randomUUID().slice(0, 8)}-`,
    };

    beforeAll(async () => {
      dir = tempDir();
      server = await startServer(dir, env);
    }, 60_000);
    afterAll(async () => {
      await server.stop();
      removeDir(dir);
    });

    it('acknowledges events whose proofs verify offline, and verify recomputes the tree', async () => {
      const producer = await tokenFor(dir, 'producer');
      const events = Array.from({ length: 50 }, (_, i) => newAccessEvent(`esdb-${i}`));
      expect((await post(server.url, producer, JSON.stringify(events))).status).toBe(200);
      const res = await fetch(`${server.url}/v1/proof/inclusion?id=esdb-31`, {
        headers: { authorization: `Bearer ${await tokenFor(dir, 'auditor')}` },
      });
      expect(res.status).toBe(200);
      writeFileSync(join(dir, 'proof.json'), await res.text());
      const keys = (await (await fetch(`${server.url}/v1/keys`)).json()) as { vkey: string };
      writeFileSync(join(dir, 'log.vkey'), keys.vkey);
      const offline = await cli(['verify-proof', 'proof.json', '--key', 'log.vkey'], { cwd: dir });
      expect(offline.code).toBe(0);
      const verified = await cli(['verify', '--data-dir', dir], { env });
      expect(verified.stdout).toContain('OK: 50 entries');
    }, 60_000);
  });
} else {
  describe('the service on EventStoreDB', () => {
    it.skip('needs GOUVERNAIL_ESDB_URL (no EventStoreDB server is installable here)', () =>
      undefined);
  });
}
