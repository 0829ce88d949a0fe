import { createHash } from 'node:crypto';

const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.53.0/integration/spark';
const RUN_SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const facet = (name: string) => ({
  _producer: PRODUCER,
  _schemaURL: `https://openlineage.io/spec/facets/1-1-1/${name}.json#/$defs/${name}`,
});

export interface DemoDataset {
  readonly namespace: string;
  readonly name: string;
  readonly fields: readonly { name: string; type: string }[];
}

export interface DemoColumn {
  readonly field: string;
  readonly from: readonly {
    dataset: DemoDataset;
    field: string;
    type: 'DIRECT' | 'INDIRECT';
    subtype: string;
  }[];
}

/** A stable UUID derived from a name, so running the demo twice records nothing twice. */
export const stableUuid = (seed: string): string => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const datasetRef = (d: DemoDataset) => ({ namespace: d.namespace, name: d.name });

const schemaFacet = (d: DemoDataset) => ({ ...facet('SchemaDatasetFacet'), fields: d.fields });

/** START and COMPLETE RunEvents of one Spark job, with schema and column lineage facets. */
export const sparkRun = (
  job: string,
  at: Date,
  inputs: readonly DemoDataset[],
  output: DemoDataset,
  columns: readonly DemoColumn[],
) => {
  const runId = stableUuid(`${job}@${at.toISOString()}`);
  const base = {
    producer: PRODUCER,
    schemaURL: RUN_SCHEMA,
    run: {
      runId,
      facets: {
        processing_engine: {
          ...facet('ProcessingEngineRunFacet'),
          version: '4.0.1',
          name: 'spark',
        },
      },
    },
    job: { namespace: 'spark://analytics', name: job },
  };
  const columnLineage = {
    ...facet('ColumnLineageDatasetFacet'),
    fields: Object.fromEntries(
      columns.map((c) => [
        c.field,
        {
          inputFields: c.from.map((f) => ({
            ...datasetRef(f.dataset),
            field: f.field,
            transformations: [
              { type: f.type, subtype: f.subtype, description: '', masking: false },
            ],
          })),
        },
      ]),
    ),
  };
  return [
    {
      ...base,
      eventType: 'START',
      eventTime: at.toISOString(),
      inputs: inputs.map(datasetRef),
      outputs: [datasetRef(output)],
    },
    {
      ...base,
      eventType: 'COMPLETE',
      eventTime: new Date(at.getTime() + 90_000).toISOString(),
      inputs: inputs.map((d) => ({ ...datasetRef(d), facets: { schema: schemaFacet(d) } })),
      outputs: [{ ...datasetRef(output), facets: { schema: schemaFacet(output), columnLineage } }],
    },
  ];
};
