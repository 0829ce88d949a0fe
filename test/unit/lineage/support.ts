import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { lineageGraph } from '../../../projections/lineage/evolve.js';
import type { LineageStore } from '../../../projections/lineage/ports.js';
import { createSqliteLineageStore } from '../../../projections/lineage/sqlite/store.js';

export const producer = 'https://github.com/OpenLineage/OpenLineage/tree/1.24.2/client/python';
export const schemaURL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

export const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/openlineage/${name}`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

export const newStore = (): LineageStore =>
  createSqliteLineageStore({ db: new Database(':memory:') });

/** Projects events one by one at positions 0, 1, 2 … (or from `from`). */
export const project = async (
  store: LineageStore,
  events: readonly AuditEvent[],
  from = 0,
): Promise<void> => {
  let position = from;
  for (const e of events) {
    await store.apply(lineageGraph.changesFor(e, position), position);
    position += 1;
  }
};

export const storeWith = async (events: readonly AuditEvent[]): Promise<LineageStore> => {
  const store = newStore();
  await project(store, events);
  return store;
};

export const uuidOf = (n: number): string =>
  `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Minute `n` of a fixed day, as an RFC 3339 instant. */
export const minute = (n: number): string => new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();

export interface ColumnMapping {
  readonly out: string;
  readonly from: readonly {
    readonly dataset: string;
    readonly field: string;
    readonly type?: 'DIRECT' | 'INDIRECT';
  }[];
}

/** A RunEvent of job `job` reading and writing datasets named in namespace `ns`. */
export const runEvent = (o: {
  readonly run: number;
  readonly job: string;
  readonly at: string;
  readonly eventType?: string;
  readonly inputs?: readonly string[];
  readonly outputs?: readonly string[];
  readonly columns?: Readonly<Record<string, readonly ColumnMapping[]>>;
  readonly ns?: string;
}): Record<string, unknown> => {
  const ns = o.ns ?? 'warehouse';
  return {
    eventType: o.eventType ?? 'COMPLETE',
    eventTime: o.at,
    producer,
    schemaURL,
    run: { runId: uuidOf(o.run) },
    job: { namespace: 'scheduler', name: o.job },
    inputs: (o.inputs ?? []).map((name) => ({ namespace: ns, name })),
    outputs: (o.outputs ?? []).map((name) => {
      const mappings = o.columns?.[name];
      if (!mappings) return { namespace: ns, name };
      const fields = Object.fromEntries(
        mappings.map((m) => [
          m.out,
          {
            inputFields: m.from.map((f) => ({
              namespace: ns,
              name: f.dataset,
              field: f.field,
              ...(f.type
                ? {
                    transformations: [
                      { type: f.type, subtype: f.type === 'DIRECT' ? 'IDENTITY' : 'FILTER' },
                    ],
                  }
                : {}),
            })),
          },
        ]),
      );
      return {
        namespace: ns,
        name,
        facets: { columnLineage: { _producer: producer, _schemaURL: schemaURL, fields } },
      };
    }),
  };
};

/** Column `d{from.d}.f{from.f}` feeds `d{to.d}.f{to.f}`, declared by run `i` of job `j{i}` at minute `i`. */
export const columnEdgeEvent = (
  i: number,
  from: { readonly d: number; readonly f: number },
  to: { readonly d: number; readonly f: number },
  type?: 'DIRECT' | 'INDIRECT',
): Record<string, unknown> =>
  runEvent({
    run: i,
    job: `j${i}`,
    at: minute(i),
    inputs: [`d${from.d}`],
    outputs: [`d${to.d}`],
    columns: {
      [`d${to.d}`]: [
        {
          out: `f${to.f}`,
          from: [{ dataset: `d${from.d}`, field: `f${from.f}`, ...(type ? { type } : {}) }],
        },
      ],
    },
  });
