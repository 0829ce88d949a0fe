import { Type, type Static } from '@sinclair/typebox';
import { ResourceUri } from '../primitives.js';

/** How long access-history rows about a resource (or `*`) are kept. */
export const RetentionPolicySetV1 = Type.Object(
  {
    resource: Type.Union([ResourceUri, Type.Literal('*')]),
    scope: Type.Union([Type.Literal('access-history'), Type.Literal('config-history')]),
    retentionDays: Type.Integer({ minimum: 1, maximum: 36500 }),
  },
  { additionalProperties: false },
);

/** A signed checkpoint of the log, recorded in the log itself. */
export const CheckpointPublishedV1 = Type.Object(
  {
    origin: Type.String({ minLength: 1 }),
    treeSize: Type.Integer({ minimum: 0 }),
    rootHash: Type.String({ minLength: 44, maxLength: 44 }),
    note: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export type RetentionPolicySetData = Static<typeof RetentionPolicySetV1>;
export type CheckpointPublishedData = Static<typeof CheckpointPublishedV1>;
