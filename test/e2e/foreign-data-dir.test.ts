import Database from 'better-sqlite3';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, removeDir, tempDir } from '../support/cli.js';

/**
 * A directory whose log.sqlite belongs to another program: the commands that only read or rebuild
 * must refuse it, naming the file, and leave it and the directory as they were.
 */
describe('CLI commands on a directory whose log.sqlite is not gouvernail’s', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = tempDir();
    file = join(dir, 'log.sqlite');
    const db = new Database(file);
    db.exec("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada')");
    db.close();
  });
  afterAll(() => {
    removeDir(dir);
  });

  const tables = (): unknown[] => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    } finally {
      db.close();
    }
  };

  it.each([
    [['verify']],
    [['proof', 'evt-1']],
    [['replay', 'accessHistory']],
    [['certificate', 'case-1']],
    [['token', '--role', 'admin']],
  ])('%j refuses it, naming the file, and writes nothing', async (args) => {
    const r = await cli([...args, '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file} is not a gouvernail log`);
    expect(r.stderr).toContain('--data-dir DIR');
    expect(readdirSync(dir)).toEqual(['log.sqlite']);
    expect(tables()).toEqual(['users']);
  });

  it('refuses a log.sqlite that is no database at all', async () => {
    const other = tempDir();
    try {
      writeFileSync(join(other, 'log.sqlite'), 'name,email\nada,ada@example.org\n');
      const r = await cli(['verify', '--data-dir', other]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${join(other, 'log.sqlite')} is not a gouvernail log`);
      expect(readdirSync(other)).toEqual(['log.sqlite']);
    } finally {
      removeDir(other);
    }
  });
});
