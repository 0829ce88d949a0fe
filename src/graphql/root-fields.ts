import {
  getDirectiveValues,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql/index.js';

/**
 * The top-level fields an operation asks for, in order and once each, as execution collects them:
 * fragments (named and inline) expanded, `@skip` and `@include` applied with the request's
 * variables. When the variables do not fit the operation nothing runs, and every field the document
 * names is listed.
 */
export const rootFieldsOf = (
  schema: GraphQLSchema,
  document: DocumentNode,
  op: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
): string[] => {
  const rootType = schema.getRootType(op.operation);
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const { coerced } = getVariableValues(schema, op.variableDefinitions ?? [], variables ?? {});
  const included = (node: SelectionNode): boolean => {
    if (!coerced) return true;
    try {
      if (getDirectiveValues(GraphQLSkipDirective, node, coerced)?.if === true) return false;
      return getDirectiveValues(GraphQLIncludeDirective, node, coerced)?.if !== false;
    } catch {
      return true; // an undeclared variable: validation refuses the document
    }
  };
  const applies = (typeName: string | undefined): boolean => {
    if (typeName === undefined || typeName === rootType?.name) return true;
    const type = schema.getType(typeName);
    return (
      rootType !== undefined &&
      type !== undefined &&
      isAbstractType(type) &&
      schema.isSubType(type, rootType as GraphQLObjectType)
    );
  };
  const names = new Set<string>();
  const spread = new Set<string>();
  const collect = (set: SelectionSetNode): void => {
    for (const s of set.selections) {
      if (!included(s)) continue;
      if (s.kind === Kind.FIELD) names.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) {
        if (applies(s.typeCondition?.name.value)) collect(s.selectionSet);
      } else if (!spread.has(s.name.value)) {
        spread.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment && applies(fragment.typeCondition.name.value)) collect(fragment.selectionSet);
      }
    }
  };
  collect(op.selectionSet);
  return [...names];
};
