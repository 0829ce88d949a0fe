import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { createBatchWriter } from './batch-writer.js';
import { ENTRIES_PER_BUNDLE, type SealedItem } from './bundles.js';
import type { Db } from './open.js';

/** Entries between two progress reports of a migration. */
const PROGRESS_EVERY = 65_536;

/**
 * Free disk a migration needs, in multiples of the file's size: the new rows, and the old pages
 * zeroed through the WAL (`secure_delete`). A review measured a peak of about 2.6× beyond the file.
 */
const FREE_SPACE_FACTOR = 3;

/** Bytes free to this process on the file system holding `dir`. */
const freeBytesAt = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

const mib = (bytes: number): string => `${Math.ceil(bytes / 2 ** 20).toLocaleString('en-US')} MiB`;

/** The migration would not fit on the disk: nothing was changed. */
export class MigrationSpaceError extends Error {
  override readonly name = 'MigrationSpaceError';
}

/**
 * Moves a log written before entry bundles (one `events` row per entry, `sealed_blobs` per
 * ciphertext) into the bundled tables, in one transaction: a crash leaves the old layout, and the
 * next start migrates again. The entry bytes are copied unchanged, so every leaf hash, tile and
 * checkpoint stays valid. Old files whose tables are already gone are left alone.
 */
export const migrateRowLayout = (
  db: Db,
  onProgress?: (done: number, total: number) => void,
  freeBytes: (dir: string) => number = freeBytesAt,
): void => {
  const old = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('events', 'sealed_blobs', 'sealed_batches')",
    )
    .all()
    .map((r) => r.name);
  if (!old.includes('events')) return;
  if (!db.memory) {
    const size =
      (db.pragma('page_count', { simple: true }) as number) *
      (db.pragma('page_size', { simple: true }) as number);
    const need = FREE_SPACE_FACTOR * size;
    const free = freeBytes(dirname(db.name));
    if (free < need)
      throw new MigrationSpaceError(
        `${db.name} was written before entry bundles and must be migrated once, in place: that ` +
          `needs about ${mib(need)} free on its disk (three times the file), and ${mib(free)} is ` +
          'free. Nothing was changed; free some space (or move the data directory) and start again.',
      );
  }
  const writer = createBatchWriter(db);
  const rowsIn = db.prepare<
    [number, number],
    { position: number; id: string; stream: string; entry: Buffer }
  >(
    'SELECT position, id, stream, entry FROM events WHERE position >= ? AND position < ? ORDER BY position',
  );
  const blobsIn = old.includes('sealed_blobs')
    ? db.prepare<[number, number], { position: number; subject: string; blob: Buffer }>(
        'SELECT position, subject, blob FROM sealed_blobs WHERE position >= ? AND position < ? ORDER BY position, subject',
      )
    : undefined;
  const migrate = db.transaction(() => {
    // Counted inside the write transaction: an older writer cannot add a row the loop would miss.
    const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM events').get()?.n ?? 0;
    for (let first = 0; first < count; first += ENTRIES_PER_BUNDLE) {
      const rows = rowsIn.all(first, first + ENTRIES_PER_BUNDLE);
      rows.forEach((r, i) => {
        if (r.position !== first + i)
          throw new Error(`cannot migrate the log: position ${first + i} is missing`);
      });
      const sealed: SealedItem[] = blobsIn?.all(first, first + ENTRIES_PER_BUNDLE) ?? [];
      writer.insertRunAt(first, {
        ids: rows.map((r) => r.id),
        streams: rows.map((r) => r.stream),
        entries: rows.map((r) => r.entry),
        sealed,
      });
      const done = Math.min(count, first + ENTRIES_PER_BUNDLE);
      if (done % PROGRESS_EVERY === 0 || done === count) onProgress?.(done, count);
    }
    const end = db
      .prepare<[], { end: number }>('SELECT COALESCE(MAX(position) + 1, 0) AS end FROM events')
      .get()?.end;
    if (end !== count)
      throw new Error(`cannot migrate the log: ${count} rows but positions up to ${String(end)}`);
    for (const name of old) db.exec(`DROP TABLE ${name}`);
  });
  migrate.immediate();
};
