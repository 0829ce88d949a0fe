import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  canaryCommitment,
  canaryPatterns,
  ciphertextPatterns,
  newCanary,
  scanForTraces,
} from '../../../src/erasure/canary-scan.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gv-scan-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('canary scan', () => {
  it('draws canaries that no command line takes for an option', () => {
    for (let i = 0; i < 2000; i++) expect(newCanary()).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{42}$/);
  });

  it('finds a planted canary in a nested file, and nothing once it is removed', async () => {
    const canary = newCanary();
    mkdirSync(join(dir, 'wal'));
    writeFileSync(
      join(dir, 'wal', 'log.sqlite-wal'),
      Buffer.concat([Buffer.alloc(100), Buffer.from(canary), Buffer.alloc(10)]),
    );
    writeFileSync(join(dir, 'other.bin'), Buffer.alloc(5000, 7));
    const found = await scanForTraces([dir], canaryPatterns(canary));
    expect(found.hits).toEqual([
      { file: join(dir, 'wal', 'log.sqlite-wal'), offset: 100, pattern: 'canary:utf8' },
    ]);
    expect(found).toMatchObject({ filesScanned: 2, bytesScanned: 100 + 43 + 10 + 5000 });

    writeFileSync(join(dir, 'wal', 'log.sqlite-wal'), Buffer.alloc(153));
    expect((await scanForTraces([dir], canaryPatterns(canary))).hits).toEqual([]);
  });

  it('finds the raw, hex, base64 and UTF-16 forms', async () => {
    const canary = newCanary();
    const raw = Buffer.from(canary, 'base64url');
    const forms = {
      'canary:raw': raw,
      'canary:hex': Buffer.from(raw.toString('hex')),
      'canary:HEX': Buffer.from(raw.toString('hex').toUpperCase()),
      'canary:base64': Buffer.from(raw.toString('base64')),
      'canary:utf16le': Buffer.from(canary, 'utf16le'),
      'canary:base64url-of-text': Buffer.from(Buffer.from(canary).toString('base64url')),
      'canary:hex-of-text': Buffer.from(Buffer.from(canary).toString('hex')),
    };
    for (const [name, bytes] of Object.entries(forms))
      writeFileSync(join(dir, name.replace(':', '-')), Buffer.concat([Buffer.from('xx'), bytes]));
    const hits = (await scanForTraces([dir], canaryPatterns(canary))).hits;
    for (const name of Object.keys(forms))
      expect(hits).toContainEqual({
        file: join(dir, name.replace(':', '-')),
        offset: 2,
        pattern: name,
      });
  });

  it('finds a value straddling two read chunks, once', async () => {
    const canary = newCanary();
    const at = (1 << 20) - 20;
    const bytes = Buffer.alloc(3 << 20);
    Buffer.from(canary).copy(bytes, at);
    writeFileSync(join(dir, 'big'), bytes);
    expect((await scanForTraces([dir], canaryPatterns(canary))).hits).toEqual([
      { file: join(dir, 'big'), offset: at, pattern: 'canary:utf8' },
    ]);
  });

  it('finds a partial copy of captured ciphertext by its head or tail', async () => {
    const blob = new Uint8Array(Buffer.from('01'.repeat(80), 'hex').map((_, i) => (i * 37) & 0xff));
    writeFileSync(
      join(dir, 'page'),
      Buffer.concat([Buffer.alloc(9), Buffer.from(blob.subarray(40))]),
    );
    expect((await scanForTraces([dir], ciphertextPatterns([blob]))).hits).toEqual([
      { file: join(dir, 'page'), offset: 9 + 8, pattern: 'ciphertext[0]:tail' },
    ]);
  });

  it('does not follow symbolic links and skips missing directories', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'gv-outside-'));
    const canary = newCanary();
    writeFileSync(join(outside, 'f'), canary);
    symlinkSync(outside, join(dir, 'link'));
    expect(await scanForTraces([dir, join(dir, 'missing')], canaryPatterns(canary))).toEqual({
      filesScanned: 0,
      bytesScanned: 0,
      hits: [],
    });
    rmSync(outside, { recursive: true, force: true });
  });

  it('commits to a canary with its base64url SHA-256', () => {
    expect(canaryCommitment('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});
