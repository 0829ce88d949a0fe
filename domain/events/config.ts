import { Type, type Static } from '@sinclair/typebox';
import { JsonValue, ShortText } from '../primitives.js';

export const ConfigKinds = ['setting', 'acl', 'retention', 'schema', 'other'] as const;

/** A component's setting changed from `before` to `after` (null when created or removed). */
export const ConfigChangedV1 = Type.Object(
  {
    component: ShortText,
    target: ShortText,
    kind: Type.Optional(Type.Union(ConfigKinds.map((k) => Type.Literal(k)))),
    before: JsonValue,
    after: JsonValue,
    changeRef: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type ConfigChangedData = Static<typeof ConfigChangedV1>;
