import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EventLogError } from '../../../src/log/event-log.js';
import { storageFaultOf, storageProblem } from '../../../src/http/storage-errors.js';
import { tempDir } from '../../support/cli.js';

/** The error a real write raises, caught. */
const thrownBy = (work: () => void): unknown => {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the write to fail');
};

describe('storage faults of a failed request', () => {
  it('names a full disk (ENOSPC from /dev/full) behind a wrapped log error, with Retry-After', async () => {
    const cause = thrownBy(() => {
      writeFileSync('/dev/full', 'x');
    });
    const error = new EventLogError('append failed: the batch was not stored', false, { cause });
    const fault = storageFaultOf(error);
    expect(fault).toMatchObject({ code: 'ENOSPC', retryAfterSeconds: 30 });
    const res = storageProblem(fault!);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('storage-unavailable');
    expect(body.error.message).toBe(
      'the server has no disk space left (ENOSPC); nothing of this request was stored, send it again later',
    );
  });

  it('names a SQLite database it cannot write', () => {
    const dir = tempDir('gv-storage-');
    try {
      const file = join(dir, 'x.sqlite');
      new Database(file).exec('CREATE TABLE t (x)').close();
      const db = new Database(file, { readonly: true });
      const cause = thrownBy(() => db.exec('INSERT INTO t VALUES (1)'));
      db.close();
      expect(storageFaultOf(new Error('wrapped', { cause }))).toMatchObject({
        code: 'SQLITE_READONLY',
        message: 'the server cannot write its storage',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves other failures alone', () => {
    expect(storageFaultOf(new Error('boom'))).toBeUndefined();
    expect(storageFaultOf(new RangeError('bad', { cause: { code: 'ENOSPC' } }))).toBeUndefined();
    expect(storageFaultOf('ENOSPC')).toBeUndefined();
  });
});
