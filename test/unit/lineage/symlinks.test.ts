import { describe, expect, it } from 'vitest';
import { lineageRunEvent } from '../../support/events.js';
import { producer, schemaURL, storeWith, uuidOf } from './support.js';

describe('the symlinks dataset facet', () => {
  it('skips malformed identifiers without losing the event’s lineage or its well-formed aliases', async () => {
    const table = { namespace: 'hive://metastore', name: 'default.users' };
    const store = await storeWith([
      lineageRunEvent({
        eventType: 'COMPLETE',
        eventTime: '2026-01-01T00:00:00.000Z',
        producer,
        schemaURL,
        run: { runId: uuidOf(1) },
        job: { namespace: 'spark', name: 'load' },
        outputs: [
          {
            namespace: 's3://lake',
            name: '/users',
            facets: {
              symlinks: {
                _producer: producer,
                _schemaURL: schemaURL,
                identifiers: [
                  'default.users',
                  { namespace: 7, name: 'x' },
                  { namespace: 's3://lake', name: '' },
                  { namespace: 's3://lake', name: '/users' },
                  { ...table, type: 'TABLE' },
                ],
              },
            },
          },
        ],
      }),
    ]);
    expect(await store.dataset(table)).toMatchObject({
      namespace: 's3://lake',
      name: '/users',
      symlinks: [table],
    });
    expect((await store.job({ namespace: 'spark', name: 'load' }))?.outputs).toEqual([
      { namespace: 's3://lake', name: '/users' },
    ]);
  });
});
