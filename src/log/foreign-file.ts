import { openSqlite } from './sqlite/open.js';

/** Tables every gouvernail tree file has had: the embedded log's, and the Merkle sequencer's. */
const treeTables = ['tiles', 'checkpoints'];

/**
 * Why an existing `file` is not a gouvernail log (`what`: "log" or "Merkle sequencer state"), or
 * undefined when it is one: another program's SQLite database, or no database at all. Only reads,
 * for the commands that must neither migrate nor create anything in a directory not the service's.
 */
export const notGouvernailFile = (file: string, what: string): string | undefined => {
  let tables: Set<unknown>;
  try {
    const db = openSqlite(file, { readonly: true });
    try {
      tables = new Set(
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(),
      );
    } finally {
      db.close();
    }
  } catch (e) {
    return `${file} is not a gouvernail ${what}: ${(e as Error).message}`;
  }
  const missing = treeTables.filter((t) => !tables.has(t));
  if (missing.length === 0) return undefined;
  return `${file} is not a gouvernail ${what}: it has no ${missing.join(' or ')} table (another program's database?)`;
};
