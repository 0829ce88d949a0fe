import { createMerkleTree } from '../../merkle/tree.js';
import { EventLogError, type EventLog } from '../event-log.js';
import { openSqlite } from '../sqlite/open.js';
import { createSqliteTileStore } from '../sqlite/tiles.js';
import type { VerifiableLog } from '../verifiable-log.js';
import { migrateSequencer, savedSize } from './schema.js';
import { createSealedStore } from './sealed-store.js';
import { startMerkleSequencer, type MerkleSequencer } from './sequencer.js';

/**
 * Makes any {@link EventLog} verifiable: the Merkle sequencer integrates it into tiles kept in
 * `file` (SQLite), with the signed checkpoints and the sealed ciphertext beside them.
 *
 * An append stores the ciphertext of the batch's new events first (never in the log itself, which
 * cannot delete it), then appends to the log, then waits until the sequencer has integrated it, so an acknowledged
 * event always has an inclusion proof.
 *
 * Run one sequencer per log. With `sequence: false` (CLI commands beside a running service) nothing
 * is integrated or appended; the tree is the one the running sequencer last saved, read again at
 * each access.
 */
export const createSequencedLog = ({
  log,
  file,
  sequence = true,
  onFault,
  onError,
}: {
  log: EventLog;
  file: string;
  sequence?: boolean;
  /** The sequencer stopped for good (the log's order is not the tree's). */
  onFault?: (error: Error) => void;
  /** A failure the sequencer retries (a read of the log, a busy database). */
  onError?: (error: unknown) => void;
}): VerifiableLog => {
  const db = openSqlite(file);
  db.pragma('secure_delete = ON');
  migrateSequencer(db);
  const sealed = createSealedStore(db);
  const sequencer: MerkleSequencer | undefined = sequence
    ? startMerkleSequencer({
        log,
        db,
        ...(onFault ? { onFault } : {}),
        ...(onError ? { onError } : {}),
      })
    : undefined;
  const savedTree = () =>
    createMerkleTree({ tiles: createSqliteTileStore(db), size: savedSize(db) });
  let closed = false;

  return {
    db,
    /** Without the sequencer, the tree as last saved, re-read on every access. */
    get tree() {
      return sequencer?.tree ?? savedTree();
    },
    fault: () => sequencer?.fault(),
    append: async (batch) => {
      if (closed) throw new EventLogError('the log is closed', false);
      if (!sequencer) {
        throw new EventLogError(
          'this process opened the log without the Merkle sequencer and cannot append',
          false,
        );
      }
      await sequencer.ready();
      const fault = sequencer.fault();
      if (fault) throw fault;
      const known = await Promise.all(
        batch.map((p) => (p.sealedBlobs.length > 0 ? log.positionOf(p.id) : Promise.resolve(null))),
      );
      sealed.put(batch.filter((_, i) => known[i] === null));
      const outcomes = await log.append(
        batch.map((p) => (p.sealedBlobs.length > 0 ? { ...p, sealedBlobs: [] } : p)),
      );
      const end = outcomes.reduce((m, o) => Math.max(m, o.position + 1), 0);
      await sequencer.reach(end);
      return outcomes;
    },
    read: (from, limit) => log.read(from, limit),
    readStream: (stream, from, limit) => log.readStream(stream, from, limit),
    subscribe: (from, onBatch, onError) => log.subscribe(from, onBatch, onError),
    size: () => log.size(),
    positionOf: (id) => log.positionOf(id),
    sealedBlob: (_position, subject, commitment) => sealed.get(subject, commitment),
    sealedBlobsOf: (subject) => sealed.ofSubject(subject),
    holdsSealedCiphertext: () => sealed.holdsAny(),
    deleteSealedBlobs: (subject) => sealed.deleteSubject(subject),
    truncateWal: () => sealed.truncateWal(),
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await sequencer?.close();
        await log.close();
      } finally {
        db.close();
      }
    },
  };
};
