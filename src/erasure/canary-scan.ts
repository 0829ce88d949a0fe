import { createHash, randomBytes } from 'node:crypto';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** A byte sequence to look for, and what it is a form of. */
export interface TracePattern {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface ScanHit {
  readonly file: string;
  readonly offset: number;
  readonly pattern: string;
}

export interface ScanReport {
  readonly filesScanned: number;
  readonly bytesScanned: number;
  readonly hits: readonly ScanHit[];
}

/**
 * A fresh canary: 32 random bytes, base64url (43 characters), drawn again when it would start with
 * '-' or '_', so no command line mistakes it for an option.
 */
export const newCanary = (): string => {
  for (;;) {
    const canary = randomBytes(32).toString('base64url');
    if (/^[A-Za-z0-9]/.test(canary)) return canary;
  }
};

/** What the log keeps of a canary: base64url SHA-256 of its UTF-8 bytes. */
export const canaryCommitment = (canary: string): string =>
  createHash('sha256').update(canary, 'utf8').digest('base64url');

/**
 * The forms a canary could have been written in: its UTF-8 text, UTF-16LE text, the raw bytes it
 * encodes and their hex (both cases) and standard base64, and the base64url and hex of its text.
 */
export const canaryPatterns = (canary: string): TracePattern[] => {
  const text = Buffer.from(canary, 'utf8');
  const raw = Buffer.from(canary, 'base64url');
  const forms: [string, Buffer][] = [
    ['canary:utf8', text],
    ['canary:utf16le', Buffer.from(canary, 'utf16le')],
    ['canary:base64url-of-text', Buffer.from(text.toString('base64url'), 'utf8')],
    ['canary:hex-of-text', Buffer.from(text.toString('hex'), 'utf8')],
  ];
  if (raw.toString('base64url') === canary && raw.length >= 16) {
    forms.push(
      ['canary:raw', raw],
      ['canary:hex', Buffer.from(raw.toString('hex'), 'utf8')],
      ['canary:HEX', Buffer.from(raw.toString('hex').toUpperCase(), 'utf8')],
      ['canary:base64', Buffer.from(raw.toString('base64'), 'utf8')],
    );
  }
  return forms.map(([name, bytes]) => ({ name, bytes: new Uint8Array(bytes) }));
};

const WINDOW = 32;

/**
 * Patterns for sealed ciphertext captured before deletion: each blob whole, and its first and last
 * 32 bytes (nonce and GCM tag included), so a partial copy left in a split or freed page is found too.
 */
export const ciphertextPatterns = (blobs: readonly Uint8Array[]): TracePattern[] =>
  blobs.flatMap((b, i) =>
    b.length <= WINDOW
      ? [{ name: `ciphertext[${i}]`, bytes: b }]
      : [
          { name: `ciphertext[${i}]:head`, bytes: b.subarray(0, WINDOW) },
          { name: `ciphertext[${i}]:tail`, bytes: b.subarray(b.length - WINDOW) },
        ],
  );

async function* filesUnder(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

const CHUNK = 1 << 20;

const scanFile = async (
  file: string,
  patterns: readonly TracePattern[],
  hits: ScanHit[],
): Promise<number | null> => {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const overlap = Math.max(0, Math.max(0, ...patterns.map((p) => p.bytes.length)) - 1);
    const buf = Buffer.alloc(CHUNK + overlap);
    const seen = new Set<string>();
    let kept = 0;
    let base = 0;
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, kept, CHUNK, base + kept);
      total += bytesRead;
      const len = kept + bytesRead;
      const view = buf.subarray(0, len);
      for (const p of patterns) {
        for (let at = view.indexOf(p.bytes); at !== -1; at = view.indexOf(p.bytes, at + 1)) {
          const key = `${p.name}@${base + at}`;
          if (!seen.has(key)) {
            seen.add(key);
            hits.push({ file, offset: base + at, pattern: p.name });
          }
        }
      }
      if (bytesRead === 0) return total;
      kept = Math.min(overlap, len);
      buf.copy(buf, 0, len - kept, len);
      base += len - kept;
    }
  } finally {
    await handle.close();
  }
};

/**
 * Reads every regular file under `dirs` (the log, the key vault, the read models, their WAL and
 * SHM files …) byte by byte and reports where any pattern occurs. Symbolic links are not followed;
 * files that disappear while scanning are skipped.
 */
export const scanForTraces = async (
  dirs: readonly string[],
  patterns: readonly TracePattern[],
): Promise<ScanReport> => {
  const hits: ScanHit[] = [];
  let filesScanned = 0;
  let bytesScanned = 0;
  const usable = patterns.filter((p) => p.bytes.length > 0);
  for (const dir of new Set(dirs)) {
    for await (const file of filesUnder(dir)) {
      const n = await scanFile(file, usable, hits);
      if (n === null) continue;
      filesScanned++;
      bytesScanned += n;
    }
  }
  return { filesScanned, bytesScanned, hits };
};
