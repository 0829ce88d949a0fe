import { expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import type { LineageStore } from '../../../projections/lineage/ports.js';
import { minute, producer, schemaURL, uuidOf } from '../../unit/lineage/support.js';
import { lineageRunEvent } from '../events.js';

const facet = (body: object) => ({ _producer: producer, _schemaURL: schemaURL, ...body });
const deleted = facet({ _deleted: true });
const tbl = { namespace: 'warehouse', name: 'tbl' };
const job = { namespace: 'scheduler', name: 'w' };

type Facets =
  | 'deleted'
  | { readonly fields: readonly string[]; readonly sql: string; readonly source?: string };

const dataSource = (name = 'pg') => ({ name, uri: 'postgres://h:5432' });

/** Run `run` of job `w` writing `warehouse.tbl`: its schema, dataSource and `sql` job facet, or their deletion. */
const write = (run: number, at: number, facets: Facets): AuditEvent =>
  lineageRunEvent({
    eventType: 'COMPLETE',
    eventTime: minute(at),
    producer,
    schemaURL,
    run: { runId: uuidOf(run) },
    job: {
      ...job,
      facets: { sql: facets === 'deleted' ? deleted : facet({ query: facets.sql }) },
    },
    outputs: [
      {
        ...tbl,
        facets:
          facets === 'deleted'
            ? { schema: deleted, dataSource: deleted, columnLineage: deleted }
            : {
                schema: facet({ fields: facets.fields.map((name) => ({ name, type: 'string' })) }),
                dataSource: facet(dataSource(facets.source)),
              },
      },
    ],
  });

const shown = async (store: LineageStore, asOf?: string) => {
  const view = await store.dataset(tbl, asOf);
  return {
    schema: view?.schema ?? null,
    fields: view?.fields.filter((f) => f.inSchema).map((f) => f.name),
  };
};

/**
 * `_deleted` dataset and job facets (OpenLineage 2-0-x), under the event-time rules of the facets
 * they delete. Registered by `lineageStoreContract`.
 */
/** Runs `body` with a fresh store holding `events`, as `lineageStoreContract` gives it. */
export type WithStore = (
  events: readonly AuditEvent[],
  body: (s: LineageStore) => Promise<void>,
) => Promise<void>;

export const facetDeletionContract = (withStore: WithStore): void => {
  it('removes a dataset’s schema and dataSource and a job facet deleted by a later event', () =>
    withStore(
      [write(1, 600, { fields: ['a'], sql: 'SELECT 1' }), write(2, 660, 'deleted')],
      async (store) => {
        expect(await shown(store)).toEqual({ schema: null, fields: [] });
        expect((await store.dataset(tbl))!.dataSource).toBeNull();
        expect((await store.job(job))!.facets).toEqual({});
        expect(await shown(store, minute(630))).toEqual({
          schema: { version: 1, observedAt: minute(600) },
          fields: ['a'],
        });
      },
    ));

  it('does not let an older event logged after a deletion bring the facet back', () =>
    withStore(
      [
        write(1, 600, { fields: ['a'], sql: 'SELECT 1' }),
        write(2, 660, 'deleted'),
        write(1, 630, { fields: ['a'], sql: 'SELECT 1' }),
      ],
      async (store) => {
        expect(await shown(store)).toEqual({ schema: null, fields: [] });
        expect((await store.dataset(tbl))!.dataSource).toBeNull();
        expect((await store.job(job))!.facets).toEqual({});
      },
    ));

  it('does not let a late deletion remove a newer facet', () =>
    withStore(
      [
        write(1, 600, { fields: ['a'], sql: 'SELECT 1' }),
        write(2, 720, { fields: ['a', 'b'], sql: 'SELECT 2' }),
        write(3, 660, 'deleted'),
      ],
      async (store) => {
        expect((await shown(store)).fields).toEqual(['a', 'b']);
        expect((await store.dataset(tbl))!.dataSource).toEqual(dataSource());
        expect((await store.job(job))!.facets).toEqual({ sql: facet({ query: 'SELECT 2' }) });
        expect((await shown(store, minute(690))).schema).toBeNull();
        expect((await shown(store, minute(650))).fields).toEqual(['a']);
      },
    ));

  it('keeps the dataSource of the latest eventTime, not the one logged last', () =>
    withStore(
      [
        write(1, 720, { fields: ['a'], sql: 'x', source: 'pg-new' }),
        write(2, 600, { fields: ['a'], sql: 'x', source: 'pg-old' }),
        write(3, 660, 'deleted'),
      ],
      async (store) => {
        expect((await store.dataset(tbl))!.dataSource).toEqual(dataSource('pg-new'));
      },
    ));

  it('records nothing for the deletion of a schema it never saw', () =>
    withStore(
      [write(1, 600, 'deleted'), write(2, 660, { fields: ['a'], sql: 'x' })],
      async (store) => {
        expect(await shown(store)).toEqual({
          schema: { version: 1, observedAt: minute(660) },
          fields: ['a'],
        });
      },
    ));
};
