import { Type, type Static } from '@sinclair/typebox';
import { ResourceUri, ShortText } from '../primitives.js';

export const AccessActions = ['read', 'write', 'admin', 'login', 'query'] as const;
export const AccessDecisions = ['allowed', 'denied'] as const;

/** Someone read, wrote or administered a resource, or was refused. Subjects touched go in the envelope. */
export const AccessRecordedV1 = Type.Object(
  {
    principal: ShortText,
    resource: ResourceUri,
    action: Type.Union(AccessActions.map((a) => Type.Literal(a))),
    decision: Type.Union(AccessDecisions.map((d) => Type.Literal(d))),
    mechanism: ShortText,
    clientAddress: Type.Optional(Type.String({ maxLength: 128 })),
    operation: Type.Optional(Type.String({ maxLength: 512 })),
    reason: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: false },
);
export type AccessRecordedData = Static<typeof AccessRecordedV1>;
