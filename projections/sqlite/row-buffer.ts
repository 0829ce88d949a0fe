import type { Database, Statement } from 'better-sqlite3';

/**
 * Rows for one table, inserted `rowsPerInsert` at a time by one multi-row `INSERT … ON CONFLICT DO
 * NOTHING`: one statement step per 32 rows instead of one per row. Call `flush` before anything
 * reads the table, and `discard` when the transaction fails.
 */
export interface RowBuffer {
  add(row: readonly unknown[]): void;
  flush(): void;
  discard(): void;
}

export const createRowBuffer = (
  db: Database,
  table: string,
  columns: readonly string[],
  rowsPerInsert = 32,
): RowBuffer => {
  const width = columns.length;
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  const statements = new Map<number, Statement>();
  const insertOf = (rows: number): Statement => {
    let stmt = statements.get(rows);
    if (!stmt) {
      stmt = db.prepare(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => placeholders).join(', ')} ON CONFLICT DO NOTHING`,
      );
      statements.set(rows, stmt);
    }
    return stmt;
  };
  const values = new Array<unknown>(rowsPerInsert * width);
  let rows = 0;
  const flush = (): void => {
    if (rows === 0) return;
    const n = rows;
    rows = 0;
    insertOf(n).run(n === rowsPerInsert ? values : values.slice(0, n * width));
  };
  return {
    add: (row) => {
      if (row.length !== width) throw new RangeError(`a ${table} row has ${width} values`);
      let i = rows * width;
      for (const v of row) values[i++] = v;
      if (++rows === rowsPerInsert) flush();
    },
    flush,
    discard: () => {
      rows = 0;
    },
  };
};
