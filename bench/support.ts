import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const tempDir = (prefix: string): { dir: string; remove: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

export const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const argNumber = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
};

export const argText = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};

const subjectOf = (i: number): string => `subj_bench${String(i % 1000).padStart(12, '0')}`;

/**
 * The ~1 KB event the append benchmarks use: an AccessRecorded of one of 1,000 subjects, with one
 * personal field to seal.
 */
export const benchAccessEvent = (id: string, i: number) => ({
  id,
  type: 'AccessRecorded',
  schemaVersion: 1,
  occurredAt: new Date(1_700_000_000_000 + i).toISOString(),
  producer: 'bench',
  actor: { principal: `user-${i % 500}`, role: 'analyst' },
  subjects: [subjectOf(i)],
  personal: { [subjectOf(i)]: { email: `person${i % 1000}@example.com` } },
  data: {
    principal: `user-${i % 500}`,
    resource: `kafka://prod/topic-${i % 50}`,
    action: 'read',
    decision: 'allowed',
    mechanism: 'kafka-acl',
    clientAddress: '10.0.0.1',
    reason: 'x'.repeat(560),
  },
});
