import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import type { ErasureEvent } from '../../../domain/erasure/decider.js';
import { erasureCases } from '../../../projections/erasure/evolve.js';
import type { ErasureStore } from '../../../projections/erasure/ports.js';
import { createSqliteErasureStore } from '../../../projections/erasure/sqlite/store.js';
import { Registry } from 'prom-client';
import { registerErasureMetrics } from '../../../src/erasure/metrics.js';
import { datasetClassified, lineageRunEvent, recorded } from '../../support/events.js';
import {
  caseId,
  completed,
  exemption,
  extended,
  issued,
  keysDestroyed,
  requested,
  subject,
} from './fixtures.js';
import { producer, runEvent, schemaURL } from '../lineage/support.js';

const now = new Date('2026-03-01T00:00:00.000Z');
const asRecorded = (e: ErasureEvent, n: number): AuditEvent =>
  recorded(e.type, e.data as never, {
    id: `e-${n}`,
    recordedAt: new Date(Date.UTC(2026, 0, 31, 12, n)).toISOString(),
  });

const project = async (
  store: ErasureStore,
  events: readonly AuditEvent[],
  from = 0,
): Promise<void> => {
  for (const [i, e] of events.entries())
    await store.apply(erasureCases.changesFor(e, from + i), from + i);
};

const newStore = (): ErasureStore =>
  createSqliteErasureStore({ db: new Database(':memory:'), now: () => now });

describe('erasure case read model', () => {
  it('shows status, deadline, extensions, exemptions, tasks with outcomes, keys and every event position', async () => {
    const store = newStore();
    const events = [
      requested(),
      issued('t1'),
      issued('t2'),
      extended(1, '2026-02-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z'),
      exemption(),
      completed('t1', 'erased', { rows: 4 }),
      keysDestroyed(['dk_1', 'dk_2']),
    ].map(asRecorded);
    await project(store, events);
    const c = await store.case(caseId);
    expect(c).toMatchObject({
      caseId,
      subject,
      status: 'located',
      receivedAt: '2026-01-31T10:00:00.000Z',
      dueAt: '2026-03-31T10:00:00.000Z',
      extensions: [{ months: 1, previousDueAt: '2026-02-28T10:00:00.000Z' }],
      exemptions: [{ category: 'invoices', ground: 'legal-obligation' }],
      tasks: [
        { taskId: 't1', outcome: 'erased', counts: { rows: 4 } },
        { taskId: 't2', outcome: null },
      ],
      keysDestroyed: true,
      keys: [
        { keyId: 'dk_1', eventId: 'e-6', position: 6 },
        { keyId: 'dk_2', eventId: 'e-6', position: 6 },
      ],
      overdue: false,
      certifiedAt: null,
    });
    expect(c?.events.map((e) => [e.position, e.type])).toEqual([
      [0, 'ErasureRequested'],
      [1, 'ErasureTaskIssued'],
      [2, 'ErasureTaskIssued'],
      [3, 'ErasureExtended'],
      [4, 'ErasureExemptionRecorded'],
      [5, 'ErasureTaskCompleted'],
      [6, 'SubjectKeyDestroyed'],
    ]);
  });

  it('finds overdue cases and cases due soon, and counts the open ones', async () => {
    const store = newStore();
    const other = (id: string, receivedAt: string, dueAt: string): AuditEvent =>
      recorded('ErasureRequested', { caseId: id, subject, receivedAt, dueAt, legalGround: 'x' });
    await project(store, [
      other('late', '2026-01-10T00:00:00.000Z', '2026-02-10T00:00:00.000Z'),
      other('soon', '2026-02-03T00:00:00.000Z', '2026-03-03T00:00:00.000Z'),
      other('later', '2026-02-25T00:00:00.000Z', '2026-03-25T00:00:00.000Z'),
      recorded('ErasureCertified', {
        caseId: 'later',
        certificateSha256: 'x'.repeat(43),
        certificate: {},
      }),
    ]);
    expect((await store.cases({ overdueAt: now })).map((c) => c.caseId)).toEqual(['late']);
    expect(
      (await store.cases({ dueBefore: new Date('2026-03-08T00:00:00.000Z') })).map((c) => c.caseId),
    ).toEqual(['late', 'soon']);
    expect((await store.cases({ status: 'certified' })).map((c) => c.caseId)).toEqual(['later']);
    expect((await store.cases()).map((c) => [c.caseId, c.overdue])).toEqual([
      ['late', true],
      ['soon', false],
      ['later', false],
    ]);
    expect(await store.openCount()).toBe(2);

    const registry = new Registry();
    registerErasureMetrics(registry, store, () => now);
    const text = await registry.metrics();
    expect(text).toMatch(/^gouvernail_erasure_cases_open 2$/m);
    expect(text).toMatch(/^gouvernail_erasure_cases_overdue 1$/m);
    expect(text).toMatch(/^gouvernail_erasure_cases_due_within_7d 1$/m);
  });

  it('applies a key destruction without case id to every open case of the subject', async () => {
    const store = newStore();
    await project(store, [
      asRecorded(requested(), 0),
      recorded('SubjectKeyDestroyed', { subject, keyIds: ['dk_9'] }, { id: 'k-1' }),
    ]);
    expect(await store.case(caseId)).toMatchObject({
      keysDestroyed: true,
      keys: [{ keyId: 'dk_9', eventId: 'k-1' }],
    });
  });

  it('ignores a replayed batch', async () => {
    const store = newStore();
    const events = [requested(), issued('t1')].map(asRecorded);
    await project(store, events);
    await project(store, events);
    expect((await store.case(caseId))?.events).toHaveLength(2);
    expect((await store.case(caseId))?.tasks).toHaveLength(1);
  });

  it('rebuilds from position 0 after a reset', async () => {
    const store = newStore();
    const events = [requested(), issued('t1')].map(asRecorded);
    await project(store, events);
    await store.reset();
    expect(await store.case(caseId)).toBeNull();
    await project(store, events);
    expect((await store.case(caseId))?.status).toBe('located');
  });

  it('lists the datasets tagged by classification or by the OpenLineage tags facet, and forgets cleared tags', async () => {
    const store = newStore();
    const facet = runEvent({
      run: 1,
      job: 'j',
      at: '2026-01-01T00:00:00.000Z',
      outputs: ['events'],
    });
    (facet.outputs as Record<string, unknown>[])[0]!.facets = {
      tags: {
        _producer: producer,
        _schemaURL: schemaURL,
        tags: [{ key: 'pii', value: 'ip_address', field: 'ip' }],
      },
    };
    await project(store, [
      datasetClassified({ namespace: 'kafka://prod', name: 'orders' }, ['pii.email'], 'email'),
      datasetClassified({ namespace: 'kafka://prod', name: 'orders' }, ['pii.name']),
      datasetClassified({ namespace: 'mongodb://crm', name: 'people' }, ['pii.name']),
      datasetClassified({ namespace: 'mongodb://crm', name: 'people' }, []),
      lineageRunEvent(facet),
    ]);
    expect(await store.classifiedDatasets()).toEqual([
      {
        dataset: { namespace: 'kafka://prod', name: 'orders' },
        tags: ['pii.email', 'pii.name'],
        fields: ['email'],
      },
      {
        dataset: { namespace: 'warehouse', name: 'events' },
        tags: ['pii:ip_address'],
        fields: ['ip'],
      },
    ]);
  });
});
