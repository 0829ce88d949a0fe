import { EventEmitter } from 'node:events';
import type { RecordedEnvelope } from '../../../domain/envelope.js';
import { HASH_SIZE } from '../../merkle/hash.js';
import { TILE_WIDTH } from '../../merkle/tile-reader.js';
import { createMerkleTree } from '../../merkle/tree.js';
import {
  EventLogError,
  type AppendOutcome,
  type PreparedEvent,
  type StoredEntry,
} from '../event-log.js';
import { followLog } from '../follow.js';
import type { VerifiableLog } from '../verifiable-log.js';
import { openSqlite, truncateWal, type Db } from './open.js';
import { migrateLog } from './schema.js';
import { createBatchWriter } from './batch-writer.js';
import { createSqliteTileStore } from './tiles.js';
import { createBundleReader, type BundledEntry } from './bundle-reader.js';
import { createSealedBundles } from './sealed-bundles.js';

/** The embedded log: it integrates its own Merkle tree, always of the log's size, in each append. */
export type SqliteEventLog = VerifiableLog;

/** Leaves the level-0 tiles hold: 256 per full tile before the last, and the last one's width. */
const leavesInTiles = (db: Db): number => {
  const last = db
    .prepare<[], { idx: number; bytes: number }>(
      'SELECT idx, length(hashes) AS bytes FROM tiles WHERE level = 0 ORDER BY idx DESC LIMIT 1',
    )
    .get();
  return last ? last.idx * TILE_WIDTH + last.bytes / HASH_SIZE : 0;
};

/** Entries per batch delivered to a subscriber. */
const FOLLOW_BATCH = 1000;
const toStored = (e: BundledEntry): StoredEntry => ({
  position: e.position,
  entry: e.entry,
  event: JSON.parse(e.entry.toString('utf8')) as RecordedEnvelope,
});

/**
 * The embedded default log: one SQLite file (WAL, fsync on commit). A batch, its sealed ciphertext
 * and the Merkle tiles it changes are written in one transaction: after a crash the log, the tree
 * and the acknowledgements agree.
 */
export const createSqliteEventLog = ({
  file,
  onMigrate,
}: {
  file: string;
  /** Progress of migrating a file written before entry bundles, reported while it runs. */
  onMigrate?: (done: number, total: number) => void;
}): SqliteEventLog => {
  const db = openSqlite(file);
  db.pragma('secure_delete = ON');
  migrateLog(db, onMigrate);
  const tiles = createSqliteTileStore(db);
  const entries = createBundleReader(db);
  const sealed = createSealedBundles(db);
  // Entries and tiles are written in one transaction: they agree unless the file was altered.
  const leaves = leavesInTiles(db);
  if (leaves !== entries.size()) {
    throw new EventLogError(
      `${file} holds ${entries.size()} entries but its Merkle tiles hold ${leaves} leaves: the file was altered or damaged, and appending would reuse positions. Run gouvernail verify to find the first bad position.`,
      false,
    );
  }
  let tree = createMerkleTree({ tiles, size: entries.size() });

  const byId = db.prepare<[string], { position: number }>(
    'SELECT position FROM event_ids WHERE id = ?',
  );
  const rows = createBatchWriter(db);
  const runsOf = db.prepare<[string, number], { positions: string }>(
    'SELECT positions FROM stream_runs WHERE stream = ? AND last >= ? ORDER BY last',
  );
  const readStream = (stream: string, from: number, limit: number): StoredEntry[] => {
    const positions: number[] = [];
    for (const run of runsOf.iterate(stream, from)) {
      for (const p of JSON.parse(run.positions) as number[]) {
        if (p >= from && positions.length < limit) positions.push(p);
      }
      if (positions.length >= limit) break;
    }
    return entries.at(positions).map(toStored);
  };

  const appended = new EventEmitter();
  appended.setMaxListeners(0);
  let closed = false;

  const appendBatch = db.transaction((batch: readonly PreparedEvent[]): AppendOutcome[] => {
    const stored = rows.positionsOf(batch.map((p) => p.id));
    const outcomes: AppendOutcome[] = [];
    const fresh: PreparedEvent[] = [];
    const leaves: Uint8Array[] = [];
    const first = tree.size();
    let next = first;
    for (const p of batch) {
      const id = p.id;
      const earlier = stored.get(id);
      if (earlier !== undefined) {
        outcomes.push({ id, position: earlier, status: 'duplicate' });
        continue;
      }
      stored.set(id, next);
      fresh.push(p);
      leaves.push(p.leafHash);
      outcomes.push({ id, position: next, status: 'appended' });
      next++;
    }
    rows.insert(first, fresh);
    if (leaves.length > 0) tree.append(leaves);
    return outcomes;
  });

  const self: SqliteEventLog = {
    ...(file === ':memory:' ? {} : { entriesFile: file }),
    db,
    get tree() {
      return tree;
    },
    append: (batch) => {
      if (closed) return Promise.reject(new EventLogError('the log is closed', false));
      const before = tree.size();
      let outcomes: AppendOutcome[];
      try {
        outcomes = appendBatch(batch);
      } catch (cause) {
        tree = createMerkleTree({ tiles, size: before });
        const busy = cause instanceof Error && /SQLITE_BUSY|database is locked/.test(cause.message);
        return Promise.reject(
          new EventLogError('append failed: the batch was not stored', busy, { cause }),
        );
      }
      if (tree.size() > before) appended.emit('appended', tree.size());
      return Promise.resolve(outcomes);
    },
    read: (from, limit) => Promise.resolve(entries.read(from, limit).map(toStored)),
    readStream: (stream, from = 0, limit = 1000) =>
      Promise.resolve(readStream(stream, from, limit)),
    subscribe: (from, onBatch, onError) => {
      const follower = followLog({
        read: (at) => self.read(at, FOLLOW_BATCH),
        from,
        onBatch,
        onError,
        idleMs: 1000,
      });
      const nudge = (): void => {
        follower.wake();
      };
      appended.on('appended', nudge);
      appended.on('closed', nudge);
      return {
        close: async () => {
          appended.off('appended', nudge);
          appended.off('closed', nudge);
          await follower.close();
        },
      };
    },
    size: () => Promise.resolve(tree.size()),
    positionOf: (id) => Promise.resolve(byId.get(id)?.position ?? null),
    sealedBlob: (position, subject) => sealed.blobAt(position, subject),
    sealedBlobsOf: (subject) => sealed.blobsOf(subject),
    holdsSealedCiphertext: () => sealed.holdsAny(),
    fault: () => undefined,
    deleteSealedBlobs: (subject) => {
      const n = sealed.deleteSubject(subject);
      truncateWal(db);
      return n;
    },
    truncateWal: () => truncateWal(db),
    close: () => {
      closed = true;
      appended.emit('closed');
      db.close();
      return Promise.resolve();
    },
  };
  return self;
};
