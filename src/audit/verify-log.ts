import { verifyNote } from '../checkpoint/note.js';
import type { Verifier } from '../checkpoint/keys.js';
import { createSqliteCheckpointStore } from '../checkpoint/store.js';
import type { EventLog } from '../log/event-log.js';
import { savedSize } from '../log/sequenced/schema.js';
import { openSqlite, type Db } from '../log/sqlite/open.js';
import { createBundleReader } from '../log/sqlite/bundle-reader.js';
import { createSqliteTileStore } from '../log/sqlite/tiles.js';
import { createMerkleTree, type MerkleTree } from '../merkle/tree.js';
import { createIndexChecker } from './index-checker.js';
import { createLogChecker, type VerifyReport } from './log-checker.js';

export type { VerifyFinding, VerifyReport } from './log-checker.js';

const PROGRESS_EVERY = 10_000;

/** Checks the log's tree against the witnessed checkpoint; returns the problem, if any. */
export type WitnessCheck = (tree: MerkleTree) => string | undefined;

/** `report`, failed when it passed but the tree of `size` leaves in `db` fails the witness check. */
const heldToWitness = (
  report: VerifyReport,
  db: Db,
  size: number,
  witness: WitnessCheck | undefined,
): VerifyReport => {
  if (!report.ok || !witness) return report;
  const message = witness(createMerkleTree({ tiles: createSqliteTileStore(db), size }));
  return message ? { ...report, ok: false, first: { kind: 'witness', message } } : report;
};

/**
 * A checker against the tree of `size` leaves whose tiles and checkpoints `db` holds, and the
 * embedded log's own indexes when `index` is given.
 */
const checkerOver = (
  db: Db,
  size: number,
  verifier: Verifier,
  index?: ReturnType<typeof createIndexChecker>,
) => {
  const tiles = createSqliteTileStore(db);
  const extents = db.prepare<[], { level: number; maxIndex: number; count: number }>(
    'SELECT level, MAX(idx) AS maxIndex, COUNT(*) AS count FROM tiles GROUP BY level',
  );
  return createLogChecker({
    tree: createMerkleTree({ tiles, size }),
    tiles,
    tileExtents: () => extents.all(),
    checkpoints: createSqliteCheckpointStore(db).all(),
    verify: (note) => verifyNote(note, verifier),
    ...(index ? { index } : {}),
  });
};

/**
 * The entries of the file: bundled, or — in a log from before entry bundles whose migration has not
 * committed — one `events` row each. Verify only reads, so it checks an old file as it is.
 */
const entryReaderOf = (
  db: Db,
): Pick<ReturnType<typeof createBundleReader>, 'read' | 'size'> & { bundled: boolean } => {
  // The migration drops `events` in the transaction that fills the bundles: while it exists (not
  // migrated yet, a migration running or interrupted), it holds every entry.
  const hasRows = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'")
    .get();
  if (!hasRows) return { ...createBundleReader(db), bundled: true };
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM events');
  const range = db.prepare<[number, number], { position: number; entry: Buffer }>(
    'SELECT position, entry FROM events WHERE position >= ? ORDER BY position LIMIT ?',
  );
  return {
    size: () => count.get()?.n ?? 0,
    read: (from, limit) => range.all(from, limit),
    bundled: false,
  };
};

/**
 * Recomputes the whole tree from the entries of the embedded log file and checks it against the
 * stored tiles and every stored checkpoint (root and signature). Stops at the first problem.
 */
export const verifyLogFile = (
  file: string,
  verifier: Verifier,
  onProgress?: (done: number, total: number) => void,
  /** Read before this call: a service beside it only moves the witness forward after its log. */
  witness?: WitnessCheck,
): VerifyReport => {
  const db = openSqlite(file, { readonly: true });
  // One snapshot for the count, tiles, checkpoints and entries: a running service may append meanwhile.
  db.exec('BEGIN');
  try {
    const entries = entryReaderOf(db);
    const total = entries.size();
    // The old layout's own indexes are rebuilt by the migration; only the bundled one is checked.
    const checker = checkerOver(
      db,
      total,
      verifier,
      entries.bundled ? createIndexChecker(db, total) : undefined,
    );
    for (let at = 0; at < total; at += PROGRESS_EVERY) {
      for (const e of entries.read(at, Math.min(PROGRESS_EVERY, total - at))) {
        const failed = checker.push(e.position, e.entry);
        if (failed) return failed;
      }
      if (at + PROGRESS_EVERY < total) onProgress?.(checker.done(), total);
    }
    onProgress?.(checker.done(), total);
    return heldToWitness(checker.finish(), db, total, witness);
  } finally {
    db.exec('COMMIT');
    db.close();
  }
};

/**
 * The same check for a log kept on another engine: the entries come from `log`, the tiles and
 * checkpoints from the sequencer's file. Entries the sequencer has not integrated yet are counted
 * in `pending`, not checked.
 */
export const verifySequencedLog = async (
  sequencerFile: string,
  log: EventLog,
  verifier: Verifier,
  onProgress?: (done: number, total: number) => void,
  witness?: WitnessCheck,
): Promise<VerifyReport & { readonly pending: number }> => {
  const db = openSqlite(sequencerFile, { readonly: true });
  // One snapshot of the sequencer's size, tiles and checkpoints; the log itself only grows.
  db.exec('BEGIN');
  try {
    const total = savedSize(db);
    const checker = checkerOver(db, total, verifier);
    while (checker.done() < total) {
      const batch = await log.read(checker.done(), Math.min(1000, total - checker.done()));
      if (batch.length === 0) break;
      for (const e of batch) {
        const failed = checker.push(e.position, e.entry);
        if (failed) return { ...failed, pending: 0 };
      }
      onProgress?.(checker.done(), total);
    }
    if (checker.done() < total) return { ...checker.missing(), pending: 0 };
    const pending = Math.max(0, (await log.size()) - total);
    return { ...heldToWitness(checker.finish(), db, total, witness), pending };
  } finally {
    db.exec('COMMIT');
    db.close();
  }
};
