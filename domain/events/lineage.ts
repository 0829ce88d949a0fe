import { Type, type Static } from '@sinclair/typebox';

const DatasetRef = Type.Object(
  { namespace: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1 }) },
  { additionalProperties: true },
);

export const OpenLineageRunEventTypes = [
  'START',
  'RUNNING',
  'COMPLETE',
  'FAIL',
  'ABORT',
  'OTHER',
] as const;

/**
 * An OpenLineage event exactly as received (RunEvent, DatasetEvent or JobEvent). `kind` tells which;
 * the OpenLineage-level validation happens at the /api/v1/lineage boundary.
 */
export const LineageRunEventV1 = Type.Object(
  {
    kind: Type.Union([
      Type.Literal('RunEvent'),
      Type.Literal('DatasetEvent'),
      Type.Literal('JobEvent'),
    ]),
    event: Type.Object(
      {
        eventTime: Type.String({ minLength: 1 }),
        producer: Type.String({ minLength: 1 }),
        schemaURL: Type.String({ minLength: 1 }),
        eventType: Type.Optional(Type.Union(OpenLineageRunEventTypes.map((t) => Type.Literal(t)))),
        run: Type.Optional(
          Type.Object({ runId: Type.String({ minLength: 1 }) }, { additionalProperties: true }),
        ),
        job: Type.Optional(DatasetRef),
        dataset: Type.Optional(DatasetRef),
        inputs: Type.Optional(Type.Array(DatasetRef)),
        outputs: Type.Optional(Type.Array(DatasetRef)),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: false },
);
export type LineageRunEventData = Static<typeof LineageRunEventV1>;

export const PiiTag = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[a-z][a-z0-9_.:-]*$',
});

/** PII tags on a dataset, or on some of its columns. An empty tag list clears the tags. */
export const DatasetClassifiedV1 = Type.Object(
  {
    dataset: Type.Object(
      { namespace: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1 }) },
      { additionalProperties: false },
    ),
    field: Type.Optional(Type.String({ minLength: 1 })),
    tags: Type.Array(PiiTag, { maxItems: 64 }),
  },
  { additionalProperties: false },
);
export type DatasetClassifiedData = Static<typeof DatasetClassifiedV1>;
