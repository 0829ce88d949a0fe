import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import type { Role } from '../domain/primitives.js';
import type { GraphQLContext } from './context.js';
import { forbidden, unauthenticated } from './problems.js';
import { valueBudgetPlugin } from './value-budget.js';

/** The roles a `roles` scope names; admin passes every check. */
const rolesNamed = (failure: AuthFailure): Role[] => {
  switch (failure.kind) {
    case AuthScopeFailureType.AuthScope:
      return failure.scope === 'roles' ? [...(failure.parameter as readonly Role[])] : [];
    case AuthScopeFailureType.AnyAuthScopes:
    case AuthScopeFailureType.AllAuthScopes:
      return failure.failures.flatMap(rolesNamed);
    default:
      return [];
  }
};

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { roles: readonly Role[] };
  Scalars: {
    DateTime: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  plugins: [valueBudgetPlugin, ScopeAuthPlugin, ErrorsPlugin, RelayPlugin, DataloaderPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({
      roles: (allowed) =>
        ctx.principal !== null &&
        (ctx.principal.role === 'admin' || allowed.includes(ctx.principal.role)),
    }),
    unauthorizedError: (_parent, ctx, info, result) => {
      const field = `${info.parentType.name}.${info.fieldName}`;
      if (ctx.principal === null) return unauthenticated(field);
      return forbidden(field, [...rolesNamed(result.failure), 'admin'], ctx.principal.role);
    },
  },
  relay: {
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
  },
  errors: { directResult: true },
});

/** Field-level authorisation: the field resolves for these roles and for admin. */
export const allow = (...roles: Role[]): { roles: readonly Role[] } => ({ roles });
