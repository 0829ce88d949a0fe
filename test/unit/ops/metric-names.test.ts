import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerErasureMetrics } from '../../../src/erasure/metrics.js';
import { kafkaMetrics } from '../../../src/kafka/metrics.js';
import { createMetrics } from '../../../src/metrics.js';
import { registerWalMetric } from '../../../src/wal-metrics.js';

const OPS = new URL('../../../ops/', import.meta.url).pathname;

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : [join(dir, d.name)],
  );

const registered = async (): Promise<Set<string>> => {
  const metrics = createMetrics();
  kafkaMetrics(metrics);
  registerWalMetric(metrics.registry, OPS);
  registerErasureMetrics(metrics.registry, {
    openCount: () => Promise.resolve(0),
    cases: () => Promise.resolve([]),
  });
  return new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
};

describe('dashboards and alert rules', () => {
  it('only name metrics the service really exports', async () => {
    const names = await registered();
    const used = new Set<string>();
    for (const f of files(OPS).filter((f) => /\.(ya?ml|json)$/.test(f))) {
      // prom-client's process_* and nodejs_* metrics are not collected: the service exports only its own.
      for (const m of readFileSync(f, 'utf8').matchAll(
        /\b(?:gouvernail|process|nodejs)_[a-z0-9_]+/g,
      ))
        used.add(m[0].replace(/_(bucket|sum|count)$/, ''));
    }
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((n) => !names.has(n)).sort()).toEqual([]);
  });
});
