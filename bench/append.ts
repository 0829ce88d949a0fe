/**
 * bench/append: events/s through the whole append path (validate, seal one personal field, encode,
 * hash, integrate, commit) for ~1 KB events, next to a plain batched SQLite insert of the same
 * bytes measured in the same run. Also proof generation and offline verification times.
 *
 *   npm run bench:append -- --events 100000 --batch 1000 --rounds 3
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { verifyProofDocument } from '../src/audit/verify-proof.js';
import { loadOrCreateCheckpointSigner } from '../src/checkpoint/local-key.js';
import { createCheckpointPublisher } from '../src/checkpoint/publisher.js';
import { createSqliteCheckpointStore } from '../src/checkpoint/store.js';
import { loadOrCreateKek } from '../src/crypto/kek.js';
import { createSqliteKeyVault } from '../src/crypto/sqlite-key-vault.js';
import { createIngestor } from '../src/ingest/ingest.js';
import { createSqliteEventLog } from '../src/log/sqlite/event-log.js';
import { createMetrics } from '../src/metrics.js';
import { createProofService } from '../src/proofs.js';
import { argNumber, fmt, median, tempDir } from './support.js';

const EVENTS = argNumber('events', 100_000);
const BATCH = argNumber('batch', 1000);
const ROUNDS = argNumber('rounds', 3);
const ORIGIN = 'bench.gouvernail/log';

const subjectOf = (i: number): string => `subj_bench${String(i % 1000).padStart(12, '0')}`;

const makeEvents = (round: number): unknown[] =>
  Array.from({ length: EVENTS }, (_, i) => ({
    id: `r${round}-e${i}`,
    type: 'AccessRecorded',
    schemaVersion: 1,
    occurredAt: new Date(1_700_000_000_000 + i).toISOString(),
    producer: 'bench',
    actor: { principal: `user-${i % 500}`, role: 'analyst' },
    subjects: [subjectOf(i)],
    personal: { [subjectOf(i)]: { email: `person${i % 1000}@example.com` } },
    data: {
      principal: `user-${i % 500}`,
      resource: `kafka://prod/topic-${i % 50}`,
      action: 'read',
      decision: 'allowed',
      mechanism: 'kafka-acl',
      clientAddress: '10.0.0.1',
      reason: 'x'.repeat(560),
    },
  }));

const fullPath = async (round: number): Promise<{ rate: number; entries: Uint8Array[]; dir: ReturnType<typeof tempDir> }> => {
  const dir = tempDir('gv-bench-');
  const log = createSqliteEventLog({ file: join(dir.dir, 'log.sqlite') });
  const vault = createSqliteKeyVault({ file: join(dir.dir, 'keys.sqlite'), kek: loadOrCreateKek({ dataDir: dir.dir }) });
  const ingestor = createIngestor({ log, vault, origin: ORIGIN, metrics: createMetrics() });
  const events = makeEvents(round);
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += BATCH) {
    const r = await ingestor.ingest(events.slice(i, i + BATCH), 'bench');
    if (r.status !== 'accepted') throw new Error(`bench batch rejected: ${JSON.stringify(r.rejected[0])}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const entries = (await log.read(0, EVENTS)).map((e) => e.entry);
  await vault.close();
  await log.close();
  return { rate: EVENTS / seconds, entries, dir };
};

const baseline = (entries: readonly Uint8Array[], ids: readonly string[]): number => {
  const dir = tempDir('gv-bench-base-');
  const db = new Database(join(dir.dir, 'plain.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, entry BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO events (position, id, entry) VALUES (?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(i, ids[i], entries[i]);
  });
  const t0 = performance.now();
  for (let i = 0; i < entries.length; i += BATCH) batch(i, Math.min(entries.length, i + BATCH));
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  dir.remove();
  return entries.length / seconds;
};

const proofTimes = async (dataDir: string): Promise<{ generateUs: number; verifyUs: number }> => {
  const log = createSqliteEventLog({ file: join(dataDir, 'log.sqlite') });
  const store = createSqliteCheckpointStore(log.db);
  const { signer, vkey } = loadOrCreateCheckpointSigner(dataDir, ORIGIN);
  const publisher = createCheckpointPublisher({ tree: () => log.tree, store, signer, origin: ORIGIN, intervalMs: 60_000 });
  publisher.publish();
  const proofs = createProofService({ log, store, publisher, origin: ORIGIN });
  const n = 500;
  const docs = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const doc = await proofs.inclusion(`r0-e${Math.floor((i * 7919) % EVENTS)}`);
    if ('code' in doc) throw new Error(doc.message);
    docs.push(doc);
  }
  const generateUs = ((performance.now() - t0) * 1000) / n;
  const t1 = performance.now();
  for (const doc of docs) {
    const v = verifyProofDocument(JSON.parse(JSON.stringify(doc)), vkey);
    if (!v.ok) throw new Error(v.reason);
  }
  const verifyUs = ((performance.now() - t1) * 1000) / n;
  await log.close();
  return { generateUs, verifyUs };
};

const main = async (): Promise<void> => {
  console.log(`bench/append: ${fmt(EVENTS)} events of ~1 KB, batches of ${BATCH}, ${ROUNDS} rounds (full path and baseline alternate)`);
  const rates: number[] = [];
  const bases: number[] = [];
  let firstDir: ReturnType<typeof tempDir> | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const full = await fullPath(round);
    const ids = Array.from({ length: EVENTS }, (_, i) => `r${round}-e${i}`);
    const base = baseline(full.entries, ids);
    const size = full.entries.reduce((s, e) => s + e.byteLength, 0) / EVENTS;
    console.log(`  round ${round + 1}: full path ${fmt(full.rate)} events/s, baseline ${fmt(base)} rows/s, ratio ${fmt(full.rate / base, 2)} (mean entry ${fmt(size)} bytes)`);
    rates.push(full.rate);
    bases.push(base);
    if (round === 0) firstDir = full.dir;
    else full.dir.remove();
  }
  const rate = median(rates);
  const base = median(bases);
  console.log(`append   full path: ${fmt(rate)} events/s (median)   goal >= 30,000`);
  console.log(`baseline plain SQLite batched insert of the same bytes: ${fmt(base)} rows/s (median)`);
  console.log(`ratio    ${fmt(rate / base, 2)}   goal >= 0.5`);
  const p = await proofTimes(firstDir!.dir);
  console.log(`proofs   inclusion proof generation ${fmt(p.generateUs, 1)} µs each, offline verification ${fmt(p.verifyUs, 1)} µs each (tree of ${fmt(EVENTS)})`);
  firstDir!.remove();
};

await main();
