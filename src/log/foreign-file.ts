import { SqliteOpenError } from './sqlite/open-failure.js';
import { openSqlite } from './sqlite/open.js';

/** Driver codes of a file that could not be read at all (permissions; and any SQLITE_IOERR), not of a foreign one. */
const unreadable: ReadonlySet<string> = new Set([
  'SQLITE_CANTOPEN',
  'SQLITE_PERM',
  'SQLITE_AUTH',
  'SQLITE_READONLY',
]);

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
    // A file this user may not read says nothing about whose it is: that error is the answer.
    const code = e instanceof SqliteOpenError ? (e.code ?? '') : '';
    if (unreadable.has(code) || code.startsWith('SQLITE_IOERR')) throw e;
    return `${file} is not a gouvernail ${what}: ${(e as Error).message}`;
  }
  const missing = treeTables.filter((t) => !tables.has(t));
  if (missing.length === 0) return undefined;
  return `${file} is not a gouvernail ${what}: it has no ${missing.join(' or ')} table (another program's database?)`;
};
