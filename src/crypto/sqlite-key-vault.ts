import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalize } from '../../domain/canonical.js';
import { KekError, type Kek } from './kek.js';
import { MissingDataKeyError, type DataKey, type KeyVault } from './key-vault.js';
import { openSqlite, truncateWal } from '../log/sqlite/open.js';

/** Failures of the key vault, in our vocabulary. Never contains key material. */
export class KeyVaultError extends Error {
  override readonly name = 'KeyVaultError';
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS data_keys (
    key_id       TEXT PRIMARY KEY,
    subject      TEXT NOT NULL,
    kek_id       TEXT NOT NULL,
    wrapped      BLOB,
    created_at   TEXT NOT NULL,
    destroyed_at TEXT,
    CHECK ((wrapped IS NULL) = (destroyed_at IS NOT NULL))
  ) STRICT, WITHOUT ROWID;
  CREATE UNIQUE INDEX IF NOT EXISTS data_keys_live_subject ON data_keys (subject) WHERE wrapped IS NOT NULL;
`;

interface KeyRow {
  key_id: string;
  subject: string;
  kek_id: string;
  wrapped: Buffer | null;
}

const DEFAULT_CACHE_SIZE = 10_000;

/**
 * The embedded {@link KeyVault}: data keys wrapped by `kek` in their own SQLite file (never the
 * log's), one live key per subject.
 *
 * - `dataKeys` answers from a bounded LRU of unwrapped keys; misses are read or created in one
 *   immediate transaction, durable (`synchronous=FULL`) before any ciphertext can depend on them.
 * - `destroySubjectKeys` overwrites the wrapped key (`secure_delete=ON` zeroes the freed bytes),
 *   keeps a tombstone (key id, subject, dates), evicts the cache and truncates the WAL, so no copy
 *   of the wrapped key remains in the vault's files. A reader in another process can hold the WAL
 *   for a while; `truncateWal` tries again, and erasure certification waits for it to succeed. Copies in backups taken earlier are out of
 *   its reach: they stay readable for as long as the KEK exists.
 * - After destruction `keyById` answers null for the old ids (from the tombstone; an id the vault
 *   has no row of is an error, not an erasure), and `dataKeys([subject])` creates a new key: events recorded after an erasure are sealed under it, and can be erased again.
 *
 * The cache assumes this process is the vault's only writer.
 */
export const createSqliteKeyVault = (deps: {
  file: string;
  kek: Kek;
  clock?: () => Date;
  cacheSize?: number;
  /**
   * The log holds ciphertext sealed under this vault's keys: a missing or empty vault is refused
   * (it was lost or replaced) instead of created, which would make every sealed field read as erased.
   */
  requireKeys?: boolean;
}): KeyVault => {
  const { file, kek } = deps;
  const clock = deps.clock ?? (() => new Date());
  const isNew = !existsSync(file);
  const lost = (): KeyVaultError =>
    new KeyVaultError(
      `the key vault ${file} is missing or holds no data keys, but the log holds sealed personal fields: restore ${file} from a backup (with the KEK its keys are wrapped with); nothing was changed`,
      false,
    );
  if (isNew && deps.requireKeys) throw lost();
  // Created private before SQLite opens it: its -wal and -shm take the file's mode.
  if (isNew) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '', { mode: 0o600, flag: 'wx' });
  }
  const db = openSqlite(file);
  db.pragma('secure_delete = ON');
  db.exec(SCHEMA);
  // Files written before erasure cases were named in tombstones gain the column (null for old ones).
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(data_keys)').all();
  if (!columns.some((c) => c.name === 'destroyed_by'))
    db.exec('ALTER TABLE data_keys ADD COLUMN destroyed_by TEXT');
  if (deps.requireKeys && db.prepare('SELECT 1 FROM data_keys LIMIT 1').get() === undefined) {
    db.close();
    throw lost();
  }
  // Live keys wrapped by another KEK: a replaced or regenerated key file. Starting anyway would
  // fail every event of those subjects and wrap new keys under a KEK nobody may keep.
  const others = db
    .prepare<[string], string>(
      'SELECT DISTINCT kek_id FROM data_keys WHERE wrapped IS NOT NULL AND kek_id <> ? ORDER BY kek_id',
    )
    .pluck()
    .all(kek.id);
  if (others.length > 0) {
    db.close();
    throw new KeyVaultError(
      `the key vault ${file} holds data keys wrapped by ${others.join(', ')}, but the configured KEK is ${kek.id}: restore the KEK those keys were wrapped with (GOUVERNAIL_KEK or data/kek.key); the vault was not changed`,
      false,
    );
  }

  const selectLive = db.prepare<[string], KeyRow>(
    'SELECT key_id, subject, kek_id, wrapped FROM data_keys WHERE subject = ? AND wrapped IS NOT NULL',
  );
  const selectById = db.prepare<[string], KeyRow>(
    'SELECT key_id, subject, kek_id, wrapped FROM data_keys WHERE key_id = ?',
  );
  const insert = db.prepare<[string, string, string, Buffer, string]>(
    'INSERT INTO data_keys (key_id, subject, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const shred = db.prepare<[string, string | null, string]>(
    'UPDATE data_keys SET wrapped = NULL, destroyed_at = ?, destroyed_by = ? WHERE subject = ? AND wrapped IS NOT NULL',
  );
  const destroyedBy = db
    .prepare<[string, string], string>(
      'SELECT key_id FROM data_keys WHERE subject = ? AND destroyed_by = ? ORDER BY key_id',
    )
    .pluck();

  const byId = lru<DataKey>(deps.cacheSize ?? DEFAULT_CACHE_SIZE);
  const liveBySubject = lru<DataKey>(deps.cacheSize ?? DEFAULT_CACHE_SIZE);

  const remember = (key: DataKey): DataKey => {
    byId.set(key.keyId, key);
    liveBySubject.set(key.subject, key);
    return key;
  };

  const open = (row: KeyRow): DataKey => {
    if (row.wrapped === null) throw new KeyVaultError(`data key ${row.key_id} is destroyed`, false);
    if (row.kek_id !== kek.id) {
      throw new KeyVaultError(
        `data key ${row.key_id} is wrapped by ${row.kek_id}, but the configured KEK is ${kek.id}`,
        false,
      );
    }
    return {
      keyId: row.key_id,
      subject: row.subject,
      key: kek.unwrap(row.wrapped, wrapAad(row.key_id, row.subject)),
    };
  };

  const createKey = (subject: string): DataKey => {
    const keyId = `dk_${randomBytes(16).toString('base64url')}`;
    const key = randomBytes(32);
    insert.run(
      keyId,
      subject,
      kek.id,
      Buffer.from(kek.wrap(key, wrapAad(keyId, subject))),
      clock().toISOString(),
    );
    return { keyId, subject, key };
  };

  const loadOrCreate = db.transaction((subjects: readonly string[]): DataKey[] =>
    subjects.map((subject) => {
      const row = selectLive.get(subject);
      return row === undefined ? createKey(subject) : open(row);
    }),
  );

  const destroy = db.transaction((subject: string, caseId: string | undefined): string[] => {
    const ids = selectLive.all(subject).map((row) => row.key_id);
    if (ids.length > 0) shred.run(clock().toISOString(), caseId ?? null, subject);
    if (caseId === undefined) return ids;
    // Keys this case destroyed in an earlier call whose outcome was never recorded (a crash).
    return [...new Set([...destroyedBy.all(subject, caseId), ...ids])].sort();
  });

  return {
    dataKeys: (subjects) =>
      attempt(() => {
        const found = new Map<string, DataKey>();
        const missing: string[] = [];
        for (const subject of new Set(subjects)) {
          const cached = liveBySubject.get(subject);
          if (cached === undefined) missing.push(subject);
          else found.set(subject, cached);
        }
        if (missing.length > 0) {
          for (const key of loadOrCreate.immediate(missing)) found.set(key.subject, remember(key));
        }
        return found;
      }),

    keyById: (keyId) =>
      attempt(() => {
        const cached = byId.get(keyId);
        if (cached !== undefined) return cached;
        const row = selectById.get(keyId);
        if (row === undefined) throw new MissingDataKeyError(keyId);
        return row.wrapped === null ? null : remember(open(row));
      }),

    destroySubjectKeys: (subject, caseId) =>
      attempt(() => {
        const ids = destroy.immediate(subject, caseId);
        for (const id of ids) byId.delete(id);
        liveBySubject.delete(subject);
        // A reader elsewhere can keep the old pages; certification checks again (truncateWal).
        truncateWal(db);
        return ids;
      }),

    truncateWal: () => attempt(() => truncateWal(db)),

    close: () =>
      attempt(() => {
        if (db.open) db.close();
      }),
  };
};

/** Binds a wrapped key to its row: a wrapped key copied to another id or subject does not unwrap. */
const wrapAad = (keyId: string, subject: string): string =>
  canonicalize(['gouvernail-data-key/v1', keyId, subject]);

const attempt = <T>(work: () => T): Promise<T> =>
  new Promise<T>((resolve) => {
    resolve(work());
  }).catch((cause: unknown) => {
    if (
      cause instanceof KeyVaultError ||
      cause instanceof KekError ||
      cause instanceof MissingDataKeyError
    )
      throw cause;
    const busy = cause instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)/.test(cause.code);
    throw new KeyVaultError(
      `key vault: ${cause instanceof Error ? cause.message : String(cause)}`,
      busy,
      { cause },
    );
  });

const lru = <V>(capacity: number) => {
  const entries = new Map<string, V>();
  return {
    get(key: string): V | undefined {
      const value = entries.get(key);
      if (value !== undefined) {
        entries.delete(key);
        entries.set(key, value);
      }
      return value;
    },
    set(key: string, value: V): void {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > capacity) entries.delete(entries.keys().next().value!);
    },
    delete(key: string): void {
      entries.delete(key);
    },
  };
};
