import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../durable-file.js';
import { sameBytes } from '../merkle/hash.js';
import type { MerkleTree } from '../merkle/tree.js';
import type { Verifier } from './keys.js';
import { verifyNote } from './note.js';
import type { CheckpointStore } from './store.js';

/**
 * The latest signed checkpoint, copied outside the log's file: a log file rolled back (a lost
 * `-wal`, an old copy) or replaced by another log would otherwise open as if nothing happened,
 * since its own checkpoints go back with it.
 */
export const witnessFile = (dataDir: string): string => join(dataDir, 'checkpoint-witness');

/** The witnessed note, or undefined when there is none yet. */
export const readWitness = (dataDir: string): string | undefined => {
  const file = witnessFile(dataDir);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};

/** Replaces the witness (whole, synced): once per checkpoint publication, not per append. */
export const recordWitness = (dataDir: string, note: string): void => {
  writeFileDurably(witnessFile(dataDir), note, { replace: true });
};

/** `store`, whose every saved checkpoint is then copied to the witness file. */
export const witnessedStore = (store: CheckpointStore, dataDir: string): CheckpointStore => ({
  ...store,
  save: (c) => {
    store.save(c);
    recordWitness(dataDir, c.note);
  },
});

/**
 * Why `tree` (the log in `treeFile`) is not the log the witnessed checkpoint was signed over, or
 * undefined when it is: it holds fewer entries, or its entries up to that size hash to another root.
 */
export const witnessProblem = (
  tree: Pick<MerkleTree, 'size' | 'rootAt'>,
  note: string,
  verifier: Verifier,
  treeFile: string,
  dataDir: string,
): string | undefined => {
  const file = witnessFile(dataDir);
  let signed;
  try {
    signed = verifyNote(note, verifier);
  } catch (e) {
    return `${file} does not hold a checkpoint signed by this log's key (${(e as Error).message}); delete it to have it made again from the log`;
  }
  const accept = `to accept the loss instead, delete ${file} and start again (then rebuild the read models it names with gouvernail replay)`;
  const size = tree.size();
  if (size < signed.size)
    return `${treeFile} holds ${size} entries, but a checkpoint of ${signed.size} entries was signed (kept in ${file}): the log file was rolled back, replaced, or lost its write-ahead log (-wal). Restore it with its -wal from a backup that holds at least ${signed.size} entries; ${accept}, entries ${size} to ${signed.size - 1} being lost`;
  if (!sameBytes(tree.rootAt(signed.size), signed.root))
    return `the first ${signed.size} entries of ${treeFile} do not hash to the root of the checkpoint signed at that size (kept in ${file}): the log file was replaced by another log. Restore the log's own file from a backup; ${accept}`;
  return undefined;
};
