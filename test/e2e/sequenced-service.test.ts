import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySequencedLog } from '../../src/audit/verify-log.js';
import { verifyProofDocument } from '../../src/audit/verify-proof.js';
import { signLocalToken } from '../../src/auth/jwt.js';
import { verifierFromVkey } from '../../src/checkpoint/keys.js';
import { loadConfig } from '../../src/config.js';
import { SealError } from '../../src/crypto/seal.js';
import { createSequencedLog } from '../../src/log/sequenced/sequenced-log.js';
import { createSqliteEventLog } from '../../src/log/sqlite/event-log.js';
import { createLogger } from '../../src/logger.js';
import { localJwtSecret } from '../../src/secrets.js';
import { createService, type Service } from '../../src/service.js';
import { removeDir, tempDir } from '../support/cli.js';
import { newAccessEvent } from '../support/new-events.js';

/**
 * The whole service on a log it does not integrate itself, as with GOUVERNAIL_LOG=eventstoredb:
 * here the followed log is a second SQLite file, so everything but the EventStoreDB adapter runs.
 * (With an EventStoreDB server, test/integration/eventstoredb-service.test.ts runs the same path.)
 */
describe('the service on a log beside the Merkle sequencer', () => {
  let dir: string;
  let service: Service;
  const subject = 'subj_SEQUENCEDSERVICE01';

  const token = (role: 'producer' | 'auditor') =>
    signLocalToken(localJwtSecret(dir), {
      sub: `test-${role}`,
      role,
      issuer: 'gouvernail',
      audience: 'gouvernail',
      ttlSeconds: 300,
    });
  const call = async (path: string, role: 'producer' | 'auditor', body?: unknown) =>
    service.app.fetch(
      new Request(`http://gouvernail.test${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${await token(role)}`,
          'content-type': 'application/json',
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );

  beforeAll(async () => {
    dir = tempDir();
    const config = loadConfig({ GOUVERNAIL_DATA_DIR: dir, GOUVERNAIL_SEAL_WORKERS: '0' });
    const log = createSequencedLog({
      log: createSqliteEventLog({ file: join(dir, 'followed.sqlite') }),
      file: join(dir, 'sequencer.sqlite'),
    });
    service = await createService(config, createLogger('silent'), { log });
  });
  afterAll(async () => {
    await service.close();
    removeDir(dir);
  });

  it('acknowledges events whose inclusion proofs verify offline with the published key', async () => {
    const events = Array.from({ length: 120 }, (_, i) =>
      newAccessEvent(`seq-${i}`, i === 7 ? { subject, email: 'ada@example.org' } : {}),
    );
    const posted = await call('/v1/events', 'producer', events);
    expect(posted.status).toBe(200);
    const again = await call('/v1/events', 'producer', events.slice(0, 10));
    expect(again.status).toBe(200);
    expect(service.log.tree.size()).toBe(120);

    const doc = (await (await call('/v1/proof/inclusion?id=seq-77', 'auditor')).json()) as {
      leafIndex: number;
    };
    expect(doc.leafIndex).toBe(77);
    const { vkey } = (await (await call('/v1/keys', 'auditor')).json()) as { vkey: string };
    expect(verifyProofDocument(doc, vkey)).toMatchObject({ ok: true });
  });

  it('reads a sealed field through the ciphertext kept beside the log, and none once deleted', async () => {
    expect(await service.personal.read('seq-7', subject)).toEqual({ email: 'ada@example.org' });
    expect(service.log.deleteSealedBlobs(subject)).toBe(1);
    await expect(service.personal.read('seq-7', subject)).rejects.toBeInstanceOf(SealError);
  });

  it('passes verify: the followed entries recompute the sequencer tree and its signed checkpoints', async () => {
    service.publisher.publish();
    const { vkey } = (await (await call('/v1/keys', 'auditor')).json()) as { vkey: string };
    const followed = createSqliteEventLog({ file: join(dir, 'followed.sqlite') });
    const report = await verifySequencedLog(
      join(dir, 'sequencer.sqlite'),
      followed,
      verifierFromVkey(vkey.trim().split('\n')[0]!),
    );
    await followed.close();
    expect(report).toMatchObject({ ok: true, checkpoints: 1, pending: 0 });
    expect(report.entries).toBeGreaterThanOrEqual(120);
  });
});
