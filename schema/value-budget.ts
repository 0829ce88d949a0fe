import SchemaBuilder, { BasePlugin, type SchemaTypes } from '@pothos/core';
import {
  getNullableType,
  isListType,
  isNonNullType,
  type GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
} from 'graphql/index.js';
import { problem } from './problems.js';

/**
 * What one operation may produce while it runs: every field resolved and every item of every list
 * counts 1. The static estimate cannot know how long a dataset's column list really is; this can.
 */
export interface ValueBudget {
  readonly limit: number;
  spent: number;
  /** Set once the operation went over: the answer is this error alone. */
  exceeded?: GraphQLError;
}

const budgets = new WeakMap<object, ValueBudget>();

/** Starts counting the values of the operation run with this context. */
export const startValueBudget = (context: object, limit: number): ValueBudget => {
  const budget: ValueBudget = { limit, spent: 0 };
  budgets.set(context, budget);
  return budget;
};

const overBudget = (budget: ValueBudget, info: GraphQLResolveInfo): GraphQLError => {
  const name = info.operation.name ? `operation ${info.operation.name.value}` : 'the operation';
  return problem(
    'QUERY_TOO_COSTLY',
    `${name} was stopped: it produced more than ${budget.limit} values, the budget of one operation (each field of each object and each item of each list counts 1): ask for fewer fields, fewer aliases or less nesting`,
    { limit: budget.limit },
  );
};

/** Spends `n`; throws QUERY_TOO_COSTLY the first time the budget runs out. */
const spend = (budget: ValueBudget, n: number, info: GraphQLResolveInfo): void => {
  budget.spent += n;
  if (budget.spent > budget.limit && !budget.exceeded) {
    budget.exceeded = overBudget(budget, info);
    throw budget.exceeded;
  }
};

const listLength = (value: unknown): number => (Array.isArray(value) ? value.length : 0);

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/**
 * Counts every resolved field (and the items of lists) against the operation's budget. Once it is
 * spent, fields stop resolving: a nullable one answers null, a non-null one throws, which cuts its
 * whole branch (the answer is replaced by the budget error anyway).
 */
class ValueBudgetPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    return (parent, args, context, info) => {
      const budget = budgets.get(context);
      if (!budget) return resolver(parent, args, context, info);
      if (budget.exceeded) {
        if (isNonNullType(info.returnType)) throw budget.exceeded;
        return null;
      }
      spend(budget, 1, info);
      const value = resolver(parent, args, context, info);
      if (!isListType(getNullableType(info.returnType))) return value;
      if (!isThenable(value)) {
        spend(budget, listLength(value), info);
        return value;
      }
      return Promise.resolve(value).then((list) => {
        spend(budget, listLength(list), info);
        return list;
      });
    };
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Pothos plugins declare themselves here
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      valueBudget: ValueBudgetPlugin<Types>;
    }
  }
}

export const valueBudgetPlugin = 'valueBudget';
SchemaBuilder.registerPlugin(valueBudgetPlugin, ValueBudgetPlugin);
