import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kekFromBytes, type Kek } from '../../../src/crypto/kek.js';
import type { DataKey } from '../../../src/crypto/key-vault.js';
import { createSqliteKeyVault } from '../../../src/crypto/sqlite-key-vault.js';
import { keyVaultContract } from './key-vault-contract.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gouvernail-vault-'));
  file = join(dir, 'keys.sqlite');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const kek = kekFromBytes(randomBytes(32));

/** A KEK that remembers every wrapped key it produced, keyed by the associated data. */
const recording = (inner: Kek) => {
  const wrapped: Uint8Array[] = [];
  const kek: Kek = {
    id: inner.id,
    wrap: (dataKey, aad) => {
      const out = inner.wrap(dataKey, aad);
      wrapped.push(out);
      return out;
    },
    unwrap: (w, aad) => inner.unwrap(w, aad),
  };
  return { kek, wrapped };
};

/** Every byte SQLite keeps on disk for the vault: main file, WAL and shared memory. */
const vaultBytes = (): Buffer =>
  Buffer.concat(
    ['', '-wal', '-shm']
      .map((s) => file + s)
      .filter(existsSync)
      .map((f) => readFileSync(f)),
  );

keyVaultContract('sqlite', () =>
  createSqliteKeyVault({ file: join(dir, `${randomBytes(4).toString('hex')}.sqlite`), kek }),
);

describe('createSqliteKeyVault', () => {
  const ada = 'subj_AdaAdaAdaAdaAdaAda01';

  it('keeps keys and destructions across reopening, in a file only its owner can read', async () => {
    const first = createSqliteKeyVault({ file, kek });
    const keys = await first.dataKeys([ada, 'subj_BobBobBobBobBobBob02']);
    await first.destroySubjectKeys('subj_BobBobBobBobBobBob02');
    await first.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const again = createSqliteKeyVault({ file, kek });
    expect(await again.keyById(keys.get(ada)!.keyId)).toEqual(keys.get(ada));
    expect((await again.dataKeys([ada])).get(ada)).toEqual(keys.get(ada));
    expect(await again.keyById(keys.get('subj_BobBobBobBobBobBob02')!.keyId)).toBeNull();
    await again.close();
  });

  it('opens a vault file written before tombstones named their erasure case, keys intact', async () => {
    const old = createSqliteKeyVault({ file, kek });
    const key = (await old.dataKeys(['subj_BobBobBobBobBobBob02'])).get(
      'subj_BobBobBobBobBobBob02',
    )!;
    await old.close();
    const db = new Database(file);
    db.exec('ALTER TABLE data_keys DROP COLUMN destroyed_by');
    db.close();
    const vault = createSqliteKeyVault({ file, kek });
    expect(await vault.keyById(key.keyId)).toEqual(key);
    expect(await vault.destroySubjectKeys('subj_BobBobBobBobBobBob02', 'case-9')).toEqual([
      key.keyId,
    ]);
    await vault.close();
  });

  it('refuses to open with another KEK, naming both KEK ids, and wraps nothing new under it', async () => {
    const first = createSqliteKeyVault({ file, kek });
    await first.dataKeys([ada]);
    await first.close();

    const other = kekFromBytes(randomBytes(32));
    expect(() => createSqliteKeyVault({ file, kek: other })).toThrow(
      `holds data keys wrapped by ${kek.id}, but the configured KEK is ${other.id}`,
    );
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT DISTINCT kek_id FROM data_keys').pluck().all()).toEqual([kek.id]);
    db.close();
    // Once every key is destroyed (nothing left to unwrap), another KEK may take over.
    const again = createSqliteKeyVault({ file, kek });
    await again.destroySubjectKeys(ada);
    await again.close();
    await createSqliteKeyVault({ file, kek: other }).close();
  });

  it('leaves no copy of a destroyed key, wrapped or not, in the vault files', async () => {
    const { kek: spy, wrapped } = recording(kek);
    const vault = createSqliteKeyVault({ file, kek: spy });
    const subjects = Array.from({ length: 400 }, (_, i) => `subj_${String(i).padStart(16, '0')}`);
    const keys: DataKey[] = [];
    for (let i = 0; i < subjects.length; i += 40) {
      keys.push(...(await vault.dataKeys(subjects.slice(i, i + 40))).values());
    }
    expect(wrapped).toHaveLength(400);
    const wrappedOf = new Map(keys.map((k, i) => [k.keyId, Buffer.from(wrapped[i]!)]));
    const victims = keys.filter((_, i) => i % 7 === 3);

    const before = vaultBytes();
    for (const k of keys) {
      expect(before.includes(wrappedOf.get(k.keyId)!)).toBe(true);
      expect(before.includes(Buffer.from(k.key))).toBe(false);
    }

    for (const victim of victims) {
      expect(await vault.destroySubjectKeys(victim.subject)).toEqual([victim.keyId]);
      expect(await vault.keyById(victim.keyId)).toBeNull();
    }

    const after = vaultBytes();
    expect(readFileSync(`${file}-wal`).length).toBe(0);
    for (const k of keys) {
      const destroyed = victims.includes(k);
      expect(after.includes(wrappedOf.get(k.keyId)!)).toBe(!destroyed);
      expect(after.includes(Buffer.from(k.key))).toBe(false);
    }
    await vault.close();
    const closed = vaultBytes();
    for (const victim of victims) expect(closed.includes(wrappedOf.get(victim.keyId)!)).toBe(false);
  });
});
