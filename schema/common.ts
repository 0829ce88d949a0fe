import { GraphQLError, Kind, valueFromASTUntyped } from 'graphql/index.js';
import {
  isTimestamp,
  Roles,
  type Actor as ActorShape,
  type Role as RoleValue,
} from '../domain/primitives.js';
import { builder } from './builder.js';

/** The same rule as events' timestamps: February 30 or 24:00 are refused, not moved to another day. */
const toInstant = (value: unknown): string => {
  const ms = typeof value === 'string' && isTimestamp(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new GraphQLError(
      `DateTime must be an RFC 3339 date-time with an offset naming a real instant (a day the month has, hour 00–23, years 0000–9999 in UTC), e.g. 2026-11-25T08:10:00Z; got ${JSON.stringify(value)}`,
      {
        extensions: { code: 'BAD_USER_INPUT' },
      },
    );
  }
  return new Date(ms).toISOString();
};

builder.scalarType('DateTime', {
  description: 'RFC 3339 date-time with an offset. Inputs are normalised to UTC with milliseconds.',
  serialize: (v) => v,
  parseValue: toInstant,
  parseLiteral: (ast) => toInstant(ast.kind === Kind.STRING ? ast.value : undefined),
});

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: (ast) => valueFromASTUntyped(ast),
});

export const Role = builder.enumType('Role', {
  values: Object.fromEntries(Roles.map((r) => [r.toUpperCase(), { value: r }])) as Record<
    Uppercase<RoleValue>,
    { value: RoleValue }
  >,
});

export const Actor = builder.objectRef<ActorShape>('Actor').implement({
  description: 'Who did it: a principal id and the role it acted in.',
  fields: (t) => ({
    principal: t.exposeString('principal'),
    role: t.expose('role', { type: Role }),
  }),
});
