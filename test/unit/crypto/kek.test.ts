import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEK_FILE, KekError, kekFromBytes, loadOrCreateKek } from '../../../src/crypto/kek.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gouvernail-kek-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadOrCreateKek', () => {
  it('creates the key file once, 32 bytes with mode 0600, and reuses it', () => {
    const dataDir = join(dir, 'data', 'nested');
    const first = loadOrCreateKek({ dataDir });
    const file = join(dataDir, KEK_FILE);
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir)).toEqual([KEK_FILE]);

    const second = loadOrCreateKek({ dataDir });
    expect(second.id).toBe(first.id);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    const dataKey = randomBytes(32);
    expect(Buffer.from(second.unwrap(first.wrap(dataKey, 'row'), 'row')).equals(dataKey)).toBe(
      true,
    );
  });

  it('refuses a key file that group or others can read', () => {
    const first = loadOrCreateKek({ dataDir: dir });
    chmodSync(join(dir, KEK_FILE), 0o644);
    expect(() => loadOrCreateKek({ dataDir: dir })).toThrow(
      /accessible to group or others \(mode 644\)/,
    );
    expect(first.id).toMatch(/^kek_[0-9a-f]{16}$/);
  });

  it('refuses a key file of the wrong length', () => {
    writeFileSync(join(dir, KEK_FILE), randomBytes(16), { mode: 0o600 });
    expect(() => loadOrCreateKek({ dataDir: dir })).toThrow(/exactly 32 bytes, it holds 16/);
  });

  it('uses the configured key and writes no file', () => {
    const bytes = randomBytes(32);
    const kek = loadOrCreateKek({ dataDir: dir, configured: bytes.toString('base64') });
    expect(kek.id).toBe(kekFromBytes(Buffer.from(bytes)).id);
    expect(kek.id).not.toBe(loadOrCreateKek({ dataDir: join(dir, 'embedded') }).id);
    expect(readdirSync(dir)).toEqual(['embedded']);
  });

  it.each([
    ['too short', randomBytes(16).toString('base64')],
    ['not base64', 'not a key!'],
  ])('refuses a configured key that is %s, without echoing it', (_, configured) => {
    expect(() => loadOrCreateKek({ dataDir: dir, configured })).toThrow(KekError);
    try {
      loadOrCreateKek({ dataDir: dir, configured });
    } catch (e) {
      expect((e as Error).message).not.toContain(configured);
    }
  });
});

describe('Kek wrap / unwrap', () => {
  const kek = kekFromBytes(randomBytes(32));

  it('wraps with a fresh nonce into 61 bytes and unwraps under the same associated data', () => {
    const dataKey = randomBytes(32);
    const a = kek.wrap(dataKey, 'dk_1');
    const b = kek.wrap(dataKey, 'dk_1');
    expect(a.length).toBe(61);
    expect(Buffer.from(a).equals(b)).toBe(false);
    expect(Buffer.from(a).includes(dataKey)).toBe(false);
    expect(Buffer.from(kek.unwrap(a, 'dk_1')).equals(dataKey)).toBe(true);
  });

  it('refuses other associated data, another KEK and altered bytes', () => {
    const wrapped = kek.wrap(randomBytes(32), 'dk_1');
    expect(() => kek.unwrap(wrapped, 'dk_2')).toThrow(KekError);
    expect(() => kekFromBytes(randomBytes(32)).unwrap(wrapped, 'dk_1')).toThrow(KekError);
    const altered = Uint8Array.from(wrapped);
    altered[20]! ^= 1;
    expect(() => kek.unwrap(altered, 'dk_1')).toThrow(KekError);
  });
});
