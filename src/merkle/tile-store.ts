/**
 * Storage of Merkle hashes as C2SP tlog-tiles: tile (level L, index N) holds up to 256 consecutive
 * hashes of tree level 8·L, 32 bytes each. A partial tile holds fewer; a full tile never changes again.
 * Synchronous on purpose: the SQLite log writes tiles inside the transaction that appends the batch.
 */
export interface TileStore {
  /** The stored hashes of a tile (width·32 bytes), or undefined when none are stored yet. */
  get(level: number, index: number): Uint8Array | undefined;
  /** Stores the hashes of a tile, replacing a narrower partial version. */
  put(level: number, index: number, hashes: Uint8Array): void;
}
