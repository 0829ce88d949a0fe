/**
 * bench/append: events/s through the whole append path (validate, seal one personal field, encode,
 * hash, integrate, commit) for ~1 KB events, next to a plain batched SQLite insert of the same
 * bytes measured in the same run. Also proof generation and offline verification times.
 *
 *   npm run bench:append -- --events 100000 --batch 1000 --rounds 3 [--workers 1] [--inflight 3]
 *
 * With --workers N > 0 the full path checks and prepares batches (parse, validate, seal, encode,
 * hash) on N worker threads and keeps up to --inflight ingest calls open at once, as concurrent
 * producers would; key lookup and the commit stay on the main thread. --workers 0 runs everything on one thread, one
 * batch at a time.
 *
 * It also writes the full path's stored rows (entries in bundles, ids, stream runs, sealed
 * ciphertext) into a fresh file with the log's own tables and batch writer, without validating,
 * sealing, encoding, hashing or the Merkle tree: the storage floor, the most any append path over
 * these tables could reach on this machine. And it replays those rows, leaf hashes given, through the
 * log's own append (tree and all): the main thread's share, the most the full path could reach even if
 * preparing were free.
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
import { createPreparePool } from '../src/ingest/prepare-pool.js';
import type { PreparedEvent, StoredEntry } from '../src/log/event-log.js';
import { createBatchWriter } from '../src/log/sqlite/batch-writer.js';
import { createSqliteEventLog } from '../src/log/sqlite/event-log.js';
import { openSqlite } from '../src/log/sqlite/open.js';
import { migrateLog } from '../src/log/sqlite/schema.js';
import { streamOf, type AuditEvent } from '../domain/catalogue.js';
import { createMetrics } from '../src/metrics.js';
import { createProofService } from '../src/proofs.js';
import { benchAccessEvent, argNumber, fmt, median, tempDir } from './support.js';

const EVENTS = argNumber('events', 100_000);
const BATCH = argNumber('batch', 1000);
const ROUNDS = argNumber('rounds', 3);
const WORKERS = argNumber('workers', 1);
const INFLIGHT = WORKERS > 0 ? Math.max(1, argNumber('inflight', 3)) : 1;
const ORIGIN = 'bench.gouvernail/log';

const makeEvents = (round: number): unknown[] =>
  Array.from({ length: EVENTS }, (_, i) => benchAccessEvent(`r${round}-e${i}`, i));

/** CPU time of the whole process (every thread) in µs: on a shared machine, steadier than wall time. */
const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const fullPath = async (
  round: number,
): Promise<{
  rate: number;
  cpuUs: number;
  mainUs: number;
  entries: Uint8Array[];
  rows: PreparedEvent[];
  dir: ReturnType<typeof tempDir>;
}> => {
  const dir = tempDir('gv-bench-');
  const log = createSqliteEventLog({ file: join(dir.dir, 'log.sqlite') });
  const vault = createSqliteKeyVault({
    file: join(dir.dir, 'keys.sqlite'),
    kek: loadOrCreateKek({ dataDir: dir.dir }),
  });
  const pool = WORKERS > 0 ? createPreparePool({ size: WORKERS }) : undefined;
  const ingestor = createIngestor({
    log,
    vault,
    origin: ORIGIN,
    metrics: createMetrics(),
    ...(pool ? { pool } : {}),
  });
  const events = makeEvents(round);
  const ingest = async (from: number): Promise<void> => {
    const r = await ingestor.ingest(events.slice(from, from + BATCH), 'bench');
    if (r.status !== 'accepted')
      throw new Error(`bench batch rejected: ${JSON.stringify(r.rejected[0])}`);
  };
  const t0 = performance.now();
  const c0 = cpuMicros();
  const elu0 = performance.eventLoopUtilization();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < events.length; i += BATCH) {
    const call = ingest(i).finally(() => inFlight.delete(call));
    inFlight.add(call);
    if (inFlight.size >= INFLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - t0) / 1000;
  const cpuUs = (cpuMicros() - c0) / EVENTS;
  const mainUs = (performance.eventLoopUtilization(elu0).active * 1000) / EVENTS;
  await pool?.close();
  const stored = await log.read(0, EVENTS);
  const rows = stored.map((e) => storedRow(log, e));
  await vault.close();
  await log.close();
  return { rate: EVENTS / seconds, cpuUs, mainUs, entries: stored.map((e) => e.entry), rows, dir };
};

/** A stored entry back as the row the batch writer takes, with its sealed ciphertext. */
const storedRow = (
  log: ReturnType<typeof createSqliteEventLog>,
  e: StoredEntry,
): PreparedEvent => ({
  id: e.event.id,
  type: e.event.type,
  event: e.event,
  entry: e.entry,
  leafHash: new Uint8Array(32),
  stream: streamOf(e.event as AuditEvent),
  sealedBlobs: Object.entries(e.event.sealed ?? {}).map(([subject, ref]) => ({
    subject,
    blob: log.sealedBlob(e.position, subject, ref.commitment)!,
  })),
});

/** The log's tables and batch writer alone: duplicate lookup, rows, ciphertext, commit. */
const storageFloor = (rows: readonly PreparedEvent[]): { rate: number; cpuUs: number } => {
  const dir = tempDir('gv-bench-floor-');
  const db = openSqlite(join(dir.dir, 'floor.sqlite'));
  db.pragma('secure_delete = ON');
  migrateLog(db);
  const writer = createBatchWriter(db);
  const batch = db.transaction((from: number, to: number) => {
    const slice = rows.slice(from, to);
    writer.positionsOf(slice.map((r) => r.event.id));
    writer.insert(from, slice);
  });
  const result = inBatches(rows.length, batch);
  db.close();
  dir.remove();
  return result;
};

/**
 * The log's own append of events already prepared (leaf hashes given): duplicate lookup, rows,
 * ciphertext, Merkle tree integration and commit — the main thread's share of the full path, so the
 * most the full path could reach however fast validating, sealing, encoding and hashing became.
 */
const preparedAppend = async (
  rows: readonly PreparedEvent[],
): Promise<{ rate: number; cpuUs: number }> => {
  const dir = tempDir('gv-bench-prepared-');
  const log = createSqliteEventLog({ file: join(dir.dir, 'log.sqlite') });
  const t0 = performance.now();
  const c0 = cpuMicros();
  for (let i = 0; i < rows.length; i += BATCH) await log.append(rows.slice(i, i + BATCH));
  const seconds = (performance.now() - t0) / 1000;
  const cpuUs = (cpuMicros() - c0) / rows.length;
  await log.close();
  dir.remove();
  return { rate: rows.length / seconds, cpuUs };
};

/** Runs `batch` over `count` rows, BATCH at a time: rows/s and CPU µs per row. */
const inBatches = (
  count: number,
  batch: (from: number, to: number) => void,
): { rate: number; cpuUs: number } => {
  const t0 = performance.now();
  const c0 = cpuMicros();
  for (let i = 0; i < count; i += BATCH) batch(i, Math.min(count, i + BATCH));
  const seconds = (performance.now() - t0) / 1000;
  return { rate: count / seconds, cpuUs: (cpuMicros() - c0) / count };
};

const baseline = (
  entries: readonly Uint8Array[],
  ids: readonly string[],
): { rate: number; cpuUs: number } => {
  const dir = tempDir('gv-bench-base-');
  const db = new Database(join(dir.dir, 'plain.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, entry BLOB NOT NULL)',
  );
  const insert = db.prepare('INSERT INTO events (position, id, entry) VALUES (?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(i, ids[i], entries[i]);
  });
  const result = inBatches(entries.length, batch);
  db.close();
  dir.remove();
  return result;
};

const proofTimes = async (dataDir: string): Promise<{ generateUs: number; verifyUs: number }> => {
  const log = createSqliteEventLog({ file: join(dataDir, 'log.sqlite') });
  const store = createSqliteCheckpointStore(log.db);
  const { signer, vkey } = loadOrCreateCheckpointSigner(dataDir, ORIGIN);
  const publisher = createCheckpointPublisher({
    tree: () => log.tree,
    store,
    signer,
    origin: ORIGIN,
    intervalMs: 60_000,
  });
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
  console.log(
    `bench/append: ${fmt(EVENTS)} events of ~1 KB, batches of ${BATCH}, ${ROUNDS} rounds (full path and baseline alternate)`,
  );
  console.log(
    WORKERS > 0
      ? `  full path: validate+seal+encode+hash on ${WORKERS} worker thread(s), up to ${INFLIGHT} ingest calls in flight (concurrent producers); keys and commit on the main thread`
      : '  full path: one thread, one ingest call at a time',
  );
  const rates: number[] = [];
  const bases: number[] = [];
  const cpuFull: number[] = [];
  const cpuBase: number[] = [];
  const floors: number[] = [];
  const cpuFloor: number[] = [];
  const mains: number[] = [];
  const prepareds: number[] = [];
  const cpuPrepared: number[] = [];
  let firstDir: ReturnType<typeof tempDir> | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const full = await fullPath(round);
    const ids = Array.from({ length: EVENTS }, (_, i) => `r${round}-e${i}`);
    const { rate: base, cpuUs } = baseline(full.entries, ids);
    const floor = storageFloor(full.rows);
    const prepared = await preparedAppend(full.rows);
    const size = full.entries.reduce((s, e) => s + e.byteLength, 0) / EVENTS;
    console.log(
      `  round ${round + 1}: full path ${fmt(full.rate)} events/s, baseline ${fmt(base)} rows/s, ratio ${fmt(full.rate / base, 2)}; log tables alone ${fmt(floor.rate)} rows/s, log append of prepared events ${fmt(prepared.rate)} events/s (mean entry ${fmt(size)} bytes)`,
    );
    mains.push(full.mainUs);
    prepareds.push(prepared.rate);
    cpuPrepared.push(prepared.cpuUs);
    floors.push(floor.rate);
    cpuFloor.push(floor.cpuUs);
    rates.push(full.rate);
    bases.push(base);
    cpuFull.push(full.cpuUs);
    cpuBase.push(cpuUs);
    if (round === 0) firstDir = full.dir;
    else full.dir.remove();
  }
  const rate = median(rates);
  const base = median(bases);
  console.log(`append   full path: ${fmt(rate)} events/s (median)   goal >= 30,000`);
  console.log(
    `baseline plain SQLite batched insert of the same bytes: ${fmt(base)} rows/s (median)`,
  );
  console.log(`ratio    ${fmt(rate / base, 2)}   goal >= 0.5`);
  console.log(
    `floor    the log's tables alone (no validation, sealing, encoding, hashing or tree): ${fmt(median(floors))} rows/s, ratio ${fmt(median(floors) / base, 2)} to the baseline`,
  );
  console.log(
    `prepared the log's append of events already prepared (lookup, rows, tree, commit; no validation, sealing, encoding or leaf hashing): ${fmt(median(prepareds))} events/s, ratio ${fmt(median(prepareds) / base, 2)} to the baseline`,
  );
  console.log(
    `main     the full path's main thread was busy ${fmt(median(mains), 1)} µs/event; the log's append of prepared events takes ${fmt(median(cpuPrepared), 1)} µs/event`,
  );
  console.log(
    `cpu      full path ${fmt(median(cpuFull), 1)} µs/event (all threads), log tables alone ${fmt(median(cpuFloor), 1)} µs/row, baseline ${fmt(median(cpuBase), 1)} µs/row (median; steadier than wall time on a shared machine)`,
  );
  const p = await proofTimes(firstDir!.dir);
  console.log(
    `proofs   inclusion proof generation ${fmt(p.generateUs, 1)} µs each, offline verification ${fmt(p.verifyUs, 1)} µs each (tree of ${fmt(EVENTS)})`,
  );
  firstDir!.remove();
};

await main();
