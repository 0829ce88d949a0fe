import { Gauge, type Registry } from 'prom-client';
import type { ErasureCaseReadModel } from '../../projections/erasure/ports.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Erasure deadline gauges, read from the erasure read model at scrape time:
 * `gouvernail_erasure_cases_open` (not certified), `gouvernail_erasure_cases_due_within_7d` (open,
 * not overdue, due in the next 7 days) and `gouvernail_erasure_cases_overdue` (open, past due).
 */
export const registerErasureMetrics = (
  registry: Registry,
  store: Pick<ErasureCaseReadModel, 'openCount' | 'cases'>,
  now: () => Date = () => new Date(),
): void => {
  new Gauge({
    name: 'gouvernail_erasure_cases_open',
    help: 'Erasure cases not certified yet',
    registers: [registry],
    async collect() {
      this.set(await store.openCount());
    },
  });
  new Gauge({
    name: 'gouvernail_erasure_cases_due_within_7d',
    help: 'Open erasure cases due within the next 7 days (overdue ones excluded)',
    registers: [registry],
    async collect() {
      const at = now();
      const [soon, overdue] = await Promise.all([
        store.cases({ dueBefore: new Date(at.getTime() + 7 * DAY_MS) }),
        store.cases({ overdueAt: at }),
      ]);
      this.set(soon.length - overdue.length);
    },
  });
  new Gauge({
    name: 'gouvernail_erasure_cases_overdue',
    help: 'Open erasure cases past their due date (GDPR Art. 12(3))',
    registers: [registry],
    async collect() {
      this.set((await store.cases({ overdueAt: now() })).length);
    },
  });
};
