import {
  getArgumentValues,
  getNamedType,
  getVariableValues,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  isListType,
  getNullableType,
  Kind,
  Lexer,
  OperationTypeNode,
  Source,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  TokenKind,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql/index.js';
import { problem } from './problems.js';

/**
 * What a single operation may ask for. All but `maxResolvedValues` are checked by validation rules,
 * before anything executes; that one is counted while the operation runs.
 */
export interface QueryLimits {
  /** Deepest field nesting, introspection included. */
  readonly maxDepth: number;
  /**
   * Estimated cost: every field selected costs 1, times the size of every enclosing list: a page
   * counts as its `first`, a list without pages as {@link QueryLimits.assumedListSize}.
   */
  readonly maxCost: number;
  /** How many items the estimate assumes for a list without pages (a dataset's columns, a tag's origins). */
  readonly assumedListSize: number;
  /**
   * Most values one operation may produce while it runs, whatever the real sizes of its lists: every
   * field of every object and every item of every list counts 1.
   */
  readonly maxResolvedValues: number;
  /** Most aliases in one operation: stops `a1: x a2: x …` amplification. */
  readonly maxAliases: number;
  /** Largest `first` of any page. */
  readonly maxPageSize: number;
  /** Largest `depth` of a lineage or column-lineage walk. */
  readonly maxLineageDepth: number;
}

export const defaultLimits: QueryLimits = Object.freeze({
  maxDepth: 10,
  maxCost: 5000,
  assumedListSize: 10,
  maxResolvedValues: 100_000,
  maxAliases: 30,
  maxPageSize: 500,
  maxLineageDepth: 20,
});

export const defaultPageSize = 50;
export const defaultLineageDepth = 3;

/** Field extension naming the argument the lineage-depth limit applies to. */
export const lineageDepthExtension = { lineageDepthArg: 'depth' } as const;

type Variables = Readonly<Record<string, unknown>> | undefined;

interface Walk {
  readonly context: ValidationContext;
  readonly limits: QueryLimits;
  readonly variables: Record<string, unknown>;
  readonly fragmentsOnPath: Set<string>;
  maxDepth: number;
  cost: number;
  /** Fields walked: bounds the walk itself (fragments spread many times) once the cost is exceeded. */
  visited: number;
  aliases: number;
  stopped: boolean;
}

const fieldDefOf = (
  parent: GraphQLNamedType | undefined,
  node: FieldNode,
  walk: Walk,
): GraphQLField<unknown, unknown> | undefined => {
  const name = node.name.value;
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parent === walk.context.getSchema().getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return parent && (isObjectType(parent) || isInterfaceType(parent))
    ? parent.getFields()[name]
    : undefined;
};

const intArg = (
  def: GraphQLField<unknown, unknown>,
  node: FieldNode,
  name: string,
  walk: Walk,
): number | undefined => {
  if (!def.args.some((a) => a.name === name)) return undefined;
  try {
    const value = getArgumentValues(def, node, walk.variables)[name];
    return typeof value === 'number' ? value : undefined;
  } catch {
    return undefined; // other rules (or execution) report bad argument values
  }
};

/**
 * How many items a list field is assumed to hold. Lists directly inside a page (`edges`) hold its
 * `first` items, already counted; the schema's own lists (introspection) are bounded by the schema.
 */
const assumedSize = (
  def: GraphQLField<unknown, unknown>,
  parent: GraphQLNamedType | undefined,
  insidePage: boolean,
  walk: Walk,
): number =>
  !isListType(getNullableType(def.type)) || insidePage || parent?.name.startsWith('__')
    ? 1
    : walk.limits.assumedListSize;

const field = (
  node: FieldNode,
  parent: GraphQLNamedType | undefined,
  depth: number,
  multiplier: number,
  insidePage: boolean,
  walk: Walk,
): void => {
  const { limits, context } = walk;
  if (node.alias) walk.aliases += 1;
  walk.cost += multiplier;
  walk.visited += 1;
  walk.maxDepth = Math.max(walk.maxDepth, depth);
  if (
    walk.visited > limits.maxCost ||
    walk.maxDepth > limits.maxDepth ||
    walk.aliases > limits.maxAliases
  ) {
    walk.stopped = true;
    return;
  }
  const def = fieldDefOf(parent, node, walk);
  if (!def) return;
  const where = `${parent?.name ?? '?'}.${def.name}`;
  let childMultiplier = multiplier * assumedSize(def, parent, insidePage, walk);
  const first = intArg(def, node, 'first', walk);
  if (first !== undefined) {
    if (first > limits.maxPageSize) {
      context.reportError(
        problem(
          'PAGE_TOO_LARGE',
          `${where}: first is ${first}; the largest page is ${limits.maxPageSize}, use after: endCursor for more`,
          {
            limit: limits.maxPageSize,
            value: first,
          },
        ),
      );
    } else if (first < 0) {
      context.reportError(
        problem('BAD_USER_INPUT', `${where}: first must not be negative`, { argument: 'first' }),
      );
    }
    childMultiplier = multiplier * Math.max(1, first);
  }
  const depthArg = (def.extensions as { lineageDepthArg?: unknown }).lineageDepthArg;
  if (typeof depthArg === 'string') {
    const lineageDepth = intArg(def, node, depthArg, walk);
    if (lineageDepth !== undefined && lineageDepth > limits.maxLineageDepth) {
      context.reportError(
        problem(
          'LINEAGE_TOO_DEEP',
          `${where}: ${depthArg} is ${lineageDepth}; the deepest walk allowed is ${limits.maxLineageDepth}`,
          {
            limit: limits.maxLineageDepth,
            value: lineageDepth,
          },
        ),
      );
    }
  }
  if (node.selectionSet) {
    const type = getNamedType(def.type);
    // `ofType` chains (as in the standard introspection query) return one object each: they do not amplify.
    const childDepth = def.name === 'ofType' && parent?.name === '__Type' ? depth : depth + 1;
    selections(
      node.selectionSet,
      isCompositeType(type) ? type : undefined,
      childDepth,
      childMultiplier,
      first !== undefined,
      walk,
    );
  }
};

const selections = (
  set: SelectionSetNode,
  parent: GraphQLNamedType | undefined,
  depth: number,
  multiplier: number,
  insidePage: boolean,
  walk: Walk,
): void => {
  const schema = walk.context.getSchema();
  for (const s of set.selections) {
    if (walk.stopped) return;
    switch (s.kind) {
      case Kind.FIELD:
        field(s, parent, depth, multiplier, insidePage, walk);
        break;
      case Kind.INLINE_FRAGMENT:
        selections(
          s.selectionSet,
          s.typeCondition ? (schema.getType(s.typeCondition.name.value) ?? undefined) : parent,
          depth,
          multiplier,
          insidePage,
          walk,
        );
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = s.name.value;
        const fragment = walk.context.getFragment(name);
        if (!fragment || walk.fragmentsOnPath.has(name)) break; // unknown or cyclic: other rules report it
        walk.fragmentsOnPath.add(name);
        selections(
          fragment.selectionSet,
          schema.getType(fragment.typeCondition.name.value) ?? undefined,
          depth,
          multiplier,
          insidePage,
          walk,
        );
        walk.fragmentsOnPath.delete(name);
        break;
      }
    }
  }
};

const variablesOf = (
  context: ValidationContext,
  op: OperationDefinitionNode,
  inputs: Variables,
): Record<string, unknown> => {
  const result = getVariableValues(
    context.getSchema(),
    op.variableDefinitions ?? [],
    inputs ?? {},
    { maxErrors: 1 },
  );
  return result.coerced ?? {};
};

const checkOperation = (
  context: ValidationContext,
  op: OperationDefinitionNode,
  limits: QueryLimits,
  inputs: Variables,
): void => {
  const schema = context.getSchema();
  const root =
    op.operation === OperationTypeNode.QUERY
      ? schema.getQueryType()
      : op.operation === OperationTypeNode.MUTATION
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const walk: Walk = {
    context,
    limits,
    variables: variablesOf(context, op, inputs),
    fragmentsOnPath: new Set(),
    maxDepth: 0,
    cost: 0,
    visited: 0,
    aliases: 0,
    stopped: false,
  };
  selections(op.selectionSet, root ?? undefined, 1, 1, false, walk);
  const name = op.name ? `operation ${op.name.value}` : 'the operation';
  if (walk.maxDepth > limits.maxDepth) {
    context.reportError(
      problem(
        'QUERY_TOO_DEEP',
        `${name} nests fields deeper than the limit of ${limits.maxDepth}`,
        { limit: limits.maxDepth },
      ),
    );
  } else if (walk.aliases > limits.maxAliases) {
    context.reportError(
      problem('TOO_MANY_ALIASES', `${name} uses more than ${limits.maxAliases} aliases`, {
        limit: limits.maxAliases,
      }),
    );
  } else if (walk.cost > limits.maxCost) {
    context.reportError(
      problem(
        'QUERY_TOO_COSTLY',
        `${name} is estimated to cost more than ${limits.maxCost} (each field costs 1 per item of every enclosing list; a page counts as its first, any other list as ${limits.assumedListSize}): ask for fewer fields, smaller pages or less nesting`,
        { limit: limits.maxCost, assumedListSize: limits.assumedListSize },
      ),
    );
  }
};

/**
 * The validation rule enforcing `limits`. `variables` are the request's raw variables: page sizes and
 * lineage depths given as variables are checked too (so the validation result must not be cached by
 * document alone).
 */
export const queryLimitsRule =
  (limits: QueryLimits, variables: Variables): ValidationRule =>
  (context) => ({
    OperationDefinition: (op) => {
      checkOperation(context, op, limits, variables);
      return false;
    },
  });

/**
 * Deepest nesting of `{`, `[` and `(` a document may have before it is parsed. The parser recurses
 * once per level: a list literal 100,000 levels deep, or an `ofType` chain thousands long, would
 * overflow its stack. GraphiQL's introspection query nests about 30 levels.
 */
export const maxDocumentNesting = 64;

/** How deep `{`, `[` and `(` nest in a GraphQL document, outside strings and comments. */
export const documentNesting = (source: string): number => {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) {
        // A block string ends at the first `"""` not escaped as `\"""`.
        let end = source.indexOf('"""', i + 3);
        while (end > 0 && source[end - 1] === '\\') end = source.indexOf('"""', end + 3);
        i = end < 0 ? source.length : end + 2;
      } else {
        for (i++; i < source.length && source[i] !== '"' && source[i] !== '\n'; i++)
          if (source[i] === '\\') i++;
      }
    } else if (c === '{' || c === '[' || c === '(') {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === '}' || c === ']' || c === ')') {
      depth = Math.max(0, depth - 1);
    }
  }
  return deepest;
};

/** QUERY_TOO_DEEP for a document nested beyond {@link maxDocumentNesting}, before it is parsed. */
const documentNestingProblem = (source: string) => {
  const nesting = documentNesting(source);
  return nesting > maxDocumentNesting
    ? problem(
        'QUERY_TOO_DEEP',
        `the document nests braces, brackets or parentheses ${nesting} levels deep; the limit is ${maxDocumentNesting}`,
        { limit: maxDocumentNesting },
      )
    : undefined;
};

/**
 * Longest document, in characters, and most tokens (names, punctuation, values) it may hold: checked
 * before it is parsed, so a huge document costs neither the time nor the memory of its syntax tree.
 * GraphiQL's introspection query is about 2,000 characters and 200 tokens.
 */
export const maxDocumentLength = 100_000;
export const maxDocumentTokens = 10_000;

/** The tokens of `source`, counted up to `max + 1`; a syntax error ends the count (parse reports it). */
const tokensUpTo = (source: string, max: number): number => {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (count <= max && lexer.advance().kind !== TokenKind.EOF) count++;
  } catch {
    // the parser reports the syntax error
  }
  return count;
};

/**
 * Why a document is refused before it is parsed: QUERY_TOO_LARGE over {@link maxDocumentLength}
 * characters, QUERY_TOO_DEEP nested beyond {@link maxDocumentNesting}, QUERY_TOO_LARGE over
 * {@link maxDocumentTokens} tokens; undefined when it may be parsed.
 */
export const unparsableDocumentProblem = (source: string) => {
  if (source.length > maxDocumentLength)
    return problem(
      'QUERY_TOO_LARGE',
      `the document is ${source.length} characters long; the limit is ${maxDocumentLength}`,
      { limit: maxDocumentLength },
    );
  const tooDeep = documentNestingProblem(source);
  if (tooDeep) return tooDeep;
  return tokensUpTo(source, maxDocumentTokens) > maxDocumentTokens
    ? problem(
        'QUERY_TOO_LARGE',
        `the document holds more than ${maxDocumentTokens} tokens (names, punctuation, values); the limit is ${maxDocumentTokens}`,
        { limit: maxDocumentTokens },
      )
    : undefined;
};
