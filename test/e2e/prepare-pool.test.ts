import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEnvelope } from '../../domain/envelope.js';
import { kekFromBytes } from '../../src/crypto/kek.js';
import type { KeyVault } from '../../src/crypto/key-vault.js';
import { unsealFields } from '../../src/crypto/seal.js';
import { createSqliteKeyVault } from '../../src/crypto/sqlite-key-vault.js';
import { createIngestor, type Ingestor } from '../../src/ingest/ingest.js';
import { createPreparePool, type PreparePool } from '../../src/ingest/prepare-pool.js';
import { createSqliteEventLog, type SqliteEventLog } from '../../src/log/sqlite/event-log.js';
import { createMetrics } from '../../src/metrics.js';
import { removeDir, tempDir } from '../support/cli.js';
import { forgedCertificate, newAccessEvent } from '../support/new-events.js';

/** The worker exists only in the build (`npm run build` runs before this tier). */
const builtWorker = new URL('../../dist/src/ingest/prepare-worker.js', import.meta.url);
const fixedNow = () => new Date('2026-12-06T12:00:00.000Z');

interface Side {
  log: SqliteEventLog;
  vault: KeyVault;
  ingestor: Ingestor;
}

/** An ingestor over its own embedded log and key vault in `dir`, with `pool` or in-thread. */
const side = (dir: string, name: string, pool?: PreparePool): Side => {
  const log = createSqliteEventLog({ file: join(dir, `${name}.sqlite`) });
  const vault = createSqliteKeyVault({
    file: join(dir, `${name}-keys.sqlite`),
    kek: kekFromBytes(randomBytes(32)),
  });
  const ingestor = createIngestor({
    log,
    vault,
    origin: 'test/log',
    metrics: createMetrics(),
    now: fixedNow,
    ...(pool ? { pool } : {}),
  });
  return { log, vault, ingestor };
};

describe('ingest on prepare workers', () => {
  const dir = tempDir('gv-pool-');
  let pool: PreparePool;
  let inThread: Side;
  let pooled: Side;
  beforeAll(() => {
    pool = createPreparePool({ size: 2, workerUrl: builtWorker });
    inThread = side(dir, 'in-thread');
    pooled = side(dir, 'pooled', pool);
  });
  afterAll(async () => {
    await pool.close();
    for (const s of [inThread, pooled]) {
      await s.log.close();
      await s.vault.close();
    }
    removeDir(dir);
  });
  const both = async (inputs: unknown[], source = 'http') => [
    await inThread.ingestor.ingest(inputs, source),
    await pooled.ingestor.ingest(inputs, source),
  ];
  /** An entry without what differs by key and nonce: the ciphertext commitments and key ids. */
  const comparable = (e: RecordedEnvelope) => ({
    ...e,
    sealed: Object.fromEntries(Object.entries(e.sealed ?? {}).map(([s, r]) => [s, r.fields])),
  });

  it('refuses exactly what the in-thread path refuses, naming the same events and reasons', async () => {
    const batch = [
      newAccessEvent('p-ok'),
      { ...newAccessEvent('p-bad'), occurredAt: 'yesterday' },
      forgedCertificate('p-forged'),
      newAccessEvent('self:p-reserved'),
      { id: 'p-shapeless' },
    ];
    const [a, b] = await both(batch);
    expect(a!.status).toBe('rejected');
    expect(b).toEqual(a);
    expect(await pooled.log.size()).toBe(0);
  });

  it('stores the same entries, with personal fields sealed so that they open with the subject key', async () => {
    const subject = 'subj_pooledsubject0001';
    const batch = Array.from({ length: 300 }, (_, i) =>
      newAccessEvent(`p-${i}`, {
        resource: `kafka://prod/t${i % 7}`,
        ...(i % 3 === 0 ? { subject, email: `p${i}@example.org` } : {}),
      }),
    );
    const [a, b] = await both(batch);
    expect(b).toEqual(a);
    const [x, y] = [await inThread.log.read(0, 300), await pooled.log.read(0, 300)];
    expect(y.map((e) => comparable(e.event))).toEqual(x.map((e) => comparable(e.event)));
    const stored = y[3]!.event;
    const ref = stored.sealed![subject]!;
    const [key] = (await pooled.vault.dataKeys([subject])).values();
    expect(
      unsealFields({
        origin: 'test/log',
        eventId: 'p-3',
        subject,
        ref,
        blob: pooled.log.sealedBlob(3, subject, ref.commitment)!,
        key: key!,
      }),
    ).toEqual({ email: 'p3@example.org' });
    expect((await pooled.log.readStream('resource:kafka://prod/t3')).length).toBe(43);
  });

  it('answers a resent event duplicate and an id reused for other content conflict', async () => {
    const [a, b] = await both([
      newAccessEvent('p-10', { resource: 'kafka://prod/t3' }),
      newAccessEvent('p-11', { resource: 'kafka://prod/elsewhere' }),
    ]);
    expect(b).toEqual(a);
    expect(b).toMatchObject({
      status: 'accepted',
      outcomes: [
        { id: 'p-10', position: 10, status: 'duplicate' },
        { id: 'p-11', position: 11, status: 'conflict' },
      ],
    });
  });

  it('answers values JSON would change (undefined members, Dates) exactly as the in-thread path', async () => {
    const odd = [
      { ...newAccessEvent('p-odd-1'), extra: undefined },
      {
        ...newAccessEvent('p-odd-2'),
        data: { ...newAccessEvent('x').data, seenAt: new Date(0) },
      },
    ];
    for (const e of odd) {
      const [a, b] = await both([e], 'gouvernail');
      expect(b).toEqual(a);
    }
  });

  it('still applies producer rules to events validated by the caller', async () => {
    const result = await pooled.ingestor.ingestValid(
      [forgedCertificate('p-forged-valid')] as never[],
      'kafka',
    );
    expect(result).toMatchObject({ status: 'rejected', rejected: [{ index: 0 }] });
  });
});

describe('a prepare worker that dies', () => {
  it('fails only the batch it held, and the next batch runs on a new worker', async () => {
    const dir = tempDir('gv-pool-crash-');
    const crashing = new URL('../support/workers/crashing-prepare-worker.mjs', import.meta.url);
    const pool = createPreparePool({ size: 1, workerUrl: crashing });
    const { log, vault, ingestor } = side(dir, 'log', pool);
    try {
      await expect(ingestor.ingest([newAccessEvent('CRASH-THE-WORKER')], 'http')).rejects.toThrow(
        'prepare worker exited with code 3',
      );
      const after = await ingestor.ingest([newAccessEvent('after-crash')], 'http');
      expect(after).toMatchObject({
        status: 'accepted',
        outcomes: [{ id: 'after-crash', position: 0, status: 'appended' }],
      });
      await pool.close();
      await expect(ingestor.ingest([newAccessEvent('after-close')], 'http')).rejects.toThrow(
        'the prepare pool is closed',
      );
    } finally {
      await pool.close();
      await log.close();
      await vault.close();
      removeDir(dir);
    }
  });
});
