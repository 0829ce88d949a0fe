import fc from 'fast-check';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import type { ErasureEvent } from '../../../domain/erasure/decider.js';
import { erasureCases } from '../../../projections/erasure/evolve.js';
import type { ErasureChange, ErasureStore } from '../../../projections/erasure/ports.js';
import { registerErasureMetrics } from '../../../src/erasure/metrics.js';
import {
  caseId,
  certified,
  completed,
  exemption,
  extended,
  issued,
  keysDestroyed,
  requested,
  subject,
} from '../../unit/erasure/fixtures.js';
import { producer, runEvent, schemaURL } from '../../unit/lineage/support.js';
import { datasetClassified, lineageRunEvent, recorded } from '../events.js';
import type { StoreFixture } from './access-store.js';
import { tagFacetSteps, usersTable } from './tag-facets.js';

export interface ErasureContractOptions {
  /** Runs of the batching/replay property; lower it for remote stores. Default 30. */
  readonly numRuns?: number;
}

/** The instant every contract store must be built with, as its clock (`now`). */
export const erasureContractNow = new Date('2026-03-01T00:00:00.000Z');

export const asRecorded = (e: ErasureEvent, n: number): AuditEvent =>
  recorded(e.type, e.data as never, {
    id: `e-${n}`,
    recordedAt: new Date(Date.UTC(2026, 0, 31, 12, n)).toISOString(),
  });

/** Projects events one by one at positions `from`, `from + 1` … */
export const projectErasure = async (
  store: ErasureStore,
  events: readonly AuditEvent[],
  from = 0,
): Promise<void> => {
  for (const [i, e] of events.entries())
    await store.apply(erasureCases.changesFor(e, from + i), from + i);
};

/** The changes of `events[from..to]` (positions = indexes), as the runner batches them. */
const batchOf = (events: readonly AuditEvent[], from: number, to: number): ErasureChange[] =>
  events.slice(from, to + 1).flatMap((e, i) => erasureCases.changesFor(e, from + i));

/** A lineage run event whose output `warehouse/events` carries the given `tags` facet. */
const facetEvent = (run: number, tags: readonly { value: string; field?: string }[]) => {
  const e = runEvent({ run, job: 'j', at: '2026-01-01T00:00:00.000Z', outputs: ['events'] });
  (e.outputs as Record<string, unknown>[])[0]!.facets = {
    tags: {
      _producer: producer,
      _schemaURL: schemaURL,
      tags: tags.map((t) => ({ key: 'pii', ...t })),
    },
  };
  return lineageRunEvent(e);
};

/** A lineage run event whose input `warehouse/events` carries the given `tags` facet. */
const readerFacetEvent = (run: number, tags: readonly { value: string; field?: string }[]) => {
  const e = runEvent({ run, job: 'r', at: '2026-01-02T00:00:00.000Z', inputs: ['events'] });
  (e.inputs as Record<string, unknown>[])[0]!.facets = {
    tags: {
      _producer: producer,
      _schemaURL: schemaURL,
      tags: tags.map((t) => ({ key: 'pii', ...t })),
    },
  };
  return lineageRunEvent(e);
};

const requestOf = (id: string, receivedAt: string, dueAt: string, of = subject): AuditEvent =>
  recorded('ErasureRequested', { caseId: id, subject: of, receivedAt, dueAt, legalGround: 'x' });

/** Everything a reader can see of the read model. */
export const erasureSnapshot = async (store: ErasureStore) => ({
  checkpoint: await store.checkpoint(),
  cases: await store.cases(),
  open: await store.openCount(),
  datasets: await store.classifiedDatasets(),
});

/**
 * The behaviour every `ErasureStore` adapter shares: the store-level tests of the SQLite read
 * model, plus the position guard, run through the port only. `makeStore` returns a store over an
 * empty read model whose clock is {@link erasureContractNow}.
 */
export const erasureStoreContract = (
  name: string,
  makeStore: () => Promise<StoreFixture<ErasureStore>>,
  options: ErasureContractOptions = {},
): void => {
  const numRuns = options.numRuns ?? 30;
  const now = erasureContractNow;

  describe(`${name} erasure cases (contract)`, () => {
    let fixture: StoreFixture<ErasureStore>;
    let store: ErasureStore;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    it('shows status, deadline, extensions, exemptions, tasks with outcomes, keys and every event position', async () => {
      await projectErasure(
        store,
        [
          requested(),
          issued('t1'),
          issued('t2'),
          extended(1, '2026-02-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z'),
          exemption(),
          completed('t1', 'erased', { rows: 4 }),
          keysDestroyed(['dk_1', 'dk_2']),
        ].map(asRecorded),
      );
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
        requestedAt: '2026-01-31T12:00:00.000Z',
        updatedAt: '2026-01-31T12:06:00.000Z',
      });
      expect(c?.events.map((e) => [e.position, e.type, e.eventId])).toEqual([
        [0, 'ErasureRequested', 'e-0'],
        [1, 'ErasureTaskIssued', 'e-1'],
        [2, 'ErasureTaskIssued', 'e-2'],
        [3, 'ErasureExtended', 'e-3'],
        [4, 'ErasureExemptionRecorded', 'e-4'],
        [5, 'ErasureTaskCompleted', 'e-5'],
        [6, 'SubjectKeyDestroyed', 'e-6'],
      ]);
      expect(await store.case('no-such-case')).toBeNull();
    });

    it('keeps task evidence and counts whose keys are not plain identifiers', async () => {
      const odd = { 'rows.deleted': 2, $files: 1, '': 0 };
      await projectErasure(store, [
        asRecorded(requested(), 0),
        asRecorded(issued('t1'), 1),
        recorded('ErasureTaskCompleted', {
          caseId,
          taskId: 't1',
          outcome: 'erased',
          counts: odd,
          evidence: { 'a.b': [null, { $ref: 'x' }], empty: [] },
        }),
      ]);
      expect((await store.case(caseId))?.tasks).toMatchObject([
        { taskId: 't1', counts: odd, evidence: { 'a.b': [null, { $ref: 'x' }], empty: [] } },
      ]);
    });

    it('finds overdue cases and cases due soon, and counts the open ones', async () => {
      await projectErasure(store, [
        requestOf('late', '2026-01-10T00:00:00.000Z', '2026-02-10T00:00:00.000Z'),
        requestOf('soon', '2026-02-03T00:00:00.000Z', '2026-03-03T00:00:00.000Z'),
        requestOf('later', '2026-02-25T00:00:00.000Z', '2026-03-25T00:00:00.000Z'),
        recorded('ErasureCertified', {
          caseId: 'later',
          certificateSha256: 'x'.repeat(43),
          certificate: {},
        }),
      ]);
      const ids = async (q: Parameters<ErasureStore['cases']>[0]) =>
        (await store.cases(q)).map((c) => c.caseId);
      expect(await ids({ overdueAt: now })).toEqual(['late']);
      expect(await ids({ dueBefore: new Date('2026-03-08T00:00:00.000Z') })).toEqual([
        'late',
        'soon',
      ]);
      expect(await ids({ dueBefore: new Date('2026-04-01T00:00:00.000Z') })).toEqual([
        'late',
        'soon',
      ]);
      expect(
        await ids({ overdueAt: now, dueBefore: new Date('2026-03-08T00:00:00.000Z') }),
      ).toEqual(['late']);
      expect(await ids({ status: 'certified' })).toEqual(['later']);
      expect(await ids({ status: 'requested', overdueAt: now })).toEqual(['late']);
      expect((await store.cases()).map((c) => [c.caseId, c.overdue])).toEqual([
        ['late', true],
        ['soon', false],
        ['later', false],
      ]);
      expect(await store.case('later')).toMatchObject({
        status: 'certified',
        certifiedAt: '2026-11-25T08:00:01.000Z',
      });
      expect(await store.openCount()).toBe(2);
      await expect(store.cases({ overdueAt: new Date('not a date') })).rejects.toThrow(RangeError);

      const registry = new Registry();
      registerErasureMetrics(registry, store, () => now);
      const text = await registry.metrics();
      expect(text).toMatch(/^gouvernail_erasure_cases_open 2$/m);
      expect(text).toMatch(/^gouvernail_erasure_cases_overdue 1$/m);
      expect(text).toMatch(/^gouvernail_erasure_cases_due_within_7d 1$/m);
    });

    it('applies a key destruction without case id to every open case of the subject, and only those', async () => {
      await projectErasure(store, [
        asRecorded(requested(), 0),
        requestOf('other-open', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'),
        requestOf('done', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'),
        recorded('ErasureCertified', {
          caseId: 'done',
          certificateSha256: 'x'.repeat(43),
          certificate: {},
        }),
        requestOf(
          'someone-else',
          '2026-02-01T00:00:00.000Z',
          '2026-03-01T00:00:00.000Z',
          'subj_BBBBBBBBBBBBBBBBBBBB',
        ),
        recorded('SubjectKeyDestroyed', { subject, keyIds: ['dk_9'] }, { id: 'k-1' }),
      ]);
      for (const id of [caseId, 'other-open'])
        expect(await store.case(id)).toMatchObject({
          keysDestroyed: true,
          keys: [{ keyId: 'dk_9', eventId: 'k-1', position: 5 }],
        });
      for (const id of ['done', 'someone-else'])
        expect(await store.case(id)).toMatchObject({ keysDestroyed: false, keys: [] });
    });

    it('ignores a replayed batch', async () => {
      const events = [requested(), issued('t1')].map(asRecorded);
      await projectErasure(store, events);
      await projectErasure(store, events);
      expect((await store.case(caseId))?.events).toHaveLength(2);
      expect((await store.case(caseId))?.tasks).toHaveLength(1);
    });

    it('moves the checkpoint forward only, and ignores a batch at or below it', async () => {
      expect(await store.checkpoint()).toBe(-1);
      const events = [requested(), issued('t1'), issued('t2')].map(asRecorded);
      await store.apply(batchOf(events, 0, 1), 1);
      expect(await store.checkpoint()).toBe(1);
      const before = await erasureSnapshot(store);

      await store.apply(batchOf(events, 2, 2), 1);
      await store.apply(batchOf(events, 2, 2), 0);
      await store.apply(
        erasureCases.changesFor(
          requestOf('late-comer', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'),
          1,
        ),
        1,
      );
      await store.apply(batchOf(events, 0, 1), 1);
      expect(await erasureSnapshot(store)).toEqual(before);

      await store.apply([], 2);
      expect(await store.checkpoint()).toBe(2);
      await store.apply(batchOf(events, 2, 2), 2);
      expect((await store.case(caseId))?.tasks).toHaveLength(1);
    });

    it('rebuilds from position 0 after a reset', async () => {
      const events = [requested(), issued('t1')].map(asRecorded);
      await projectErasure(store, [
        ...events,
        datasetClassified({ namespace: 'n', name: 'd' }, ['pii.x']),
      ]);
      await store.reset();
      expect(await erasureSnapshot(store)).toEqual({
        checkpoint: -1,
        cases: [],
        open: 0,
        datasets: [],
      });
      await projectErasure(store, events);
      expect((await store.case(caseId))?.status).toBe('located');
      expect(await store.checkpoint()).toBe(1);
    });

    it('lists the datasets tagged by classification or by the OpenLineage tags facet, and forgets cleared tags', async () => {
      await projectErasure(store, [
        datasetClassified({ namespace: 'kafka://prod', name: 'orders' }, ['pii.email'], 'email'),
        datasetClassified({ namespace: 'kafka://prod', name: 'orders' }, ['pii.name']),
        datasetClassified({ namespace: 'mongodb://crm', name: 'people' }, ['pii.name']),
        datasetClassified({ namespace: 'mongodb://crm', name: 'people' }, []),
        facetEvent(1, [{ value: 'ip_address', field: 'ip' }]),
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

    it('replaces the tags a later facet puts on a dataset, keeping classified ones', async () => {
      await projectErasure(store, [
        facetEvent(1, [{ value: 'ip_address', field: 'ip' }, { value: 'email' }]),
        datasetClassified({ namespace: 'warehouse', name: 'events' }, ['pii.name'], 'name'),
        facetEvent(2, [{ value: 'user_id', field: 'uid' }]),
      ]);
      expect(await store.classifiedDatasets()).toEqual([
        {
          dataset: { namespace: 'warehouse', name: 'events' },
          tags: ['pii.name', 'pii:user_id'],
          fields: ['name', 'uid'],
        },
      ]);
    });

    it('lets a job’s output tags facet replace the dataset’s facet tags, an input’s only add, as the lineage graph does', async () => {
      for (const [position, step] of tagFacetSteps().entries()) {
        await projectErasure(store, [step.event], position);
        const tags = [...new Set(Object.values(step.tags).flat())].sort();
        const fields = Object.keys(step.tags)
          .filter((f) => f !== '')
          .sort();
        expect({ step: step.what, datasets: await store.classifiedDatasets() }).toEqual({
          step: step.what,
          datasets: tags.length === 0 ? [] : [{ dataset: usersTable, tags, fields }],
        });
      }
    });

    const scenario = (): AuditEvent[] => [
      asRecorded(requested(), 0),
      requestOf('second', '2026-02-01T00:00:00.000Z', '2026-02-20T00:00:00.000Z'),
      asRecorded(issued('t1'), 2),
      datasetClassified({ namespace: 'kafka://prod', name: 'orders' }, ['pii.email'], 'email'),
      facetEvent(1, [{ value: 'ip_address', field: 'ip' }, { value: 'email' }]),
      recorded('SubjectKeyDestroyed', { subject, keyIds: ['dk_1'] }, { id: 'k-1' }),
      asRecorded(completed('t1', 'erased', { rows: 4 }), 6),
      datasetClassified({ namespace: 'kafka://prod', name: 'orders' }, [], 'email'),
      asRecorded(extended(1, '2026-02-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z'), 8),
      readerFacetEvent(3, [{ value: 'phone', field: 'phone' }, { value: 'email' }]),
      facetEvent(2, [{ value: 'user_id', field: 'uid' }]),
      readerFacetEvent(4, [{ value: 'phone', field: 'uid' }]),
      asRecorded(certified(), 10),
      recorded('SubjectKeyDestroyed', { subject, keyIds: ['dk_2'] }, { id: 'k-2' }),
      datasetClassified({ namespace: 'mongodb://crm', name: 'people' }, ['pii.name']),
    ];

    it('reads the same whatever the batching, with earlier batches replayed in between', async () => {
      const events = scenario();
      await projectErasure(store, events);
      const expected = await erasureSnapshot(store);
      expect(expected.cases.map((c) => [c.caseId, c.status, c.keys.length])).toEqual([
        ['second', 'requested', 2],
        [caseId, 'certified', 1],
      ]);
      expect(expected.datasets.map((d) => [d.dataset.name, d.tags, d.fields])).toEqual([
        ['people', ['pii.name'], []],
        ['events', ['pii:phone', 'pii:user_id'], ['uid']],
      ]);

      const last = events.length - 1;
      const plan = fc.record({
        cuts: fc.uniqueArray(fc.integer({ min: 0, max: last - 1 }), { maxLength: last }),
        replays: fc.array(fc.nat(), { maxLength: last + 1 }),
      });
      await fc.assert(
        fc.asyncProperty(plan, async ({ cuts, replays }) => {
          const ends = [...[...cuts].sort((a, b) => a - b), last];
          const batches = ends.map((to, i) => [i === 0 ? 0 : ends[i - 1]! + 1, to] as const);
          const { store: s, cleanup } = await makeStore();
          try {
            for (const [i, [from, to]] of batches.entries()) {
              await s.apply(batchOf(events, from, to), to);
              const replay = replays[i];
              if (replay !== undefined) {
                const [rFrom, rTo] = batches[replay % (i + 1)]!;
                await s.apply(batchOf(events, rFrom, rTo), rTo);
              }
            }
            expect(await erasureSnapshot(s)).toEqual(expected);
          } finally {
            await cleanup();
          }
        }),
        { numRuns },
      );
    });
  });
};
