import { getIntrospectionQuery } from 'graphql/index.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { codes, harness, type Harness } from './support.js';

const nodeFields =
  'time position eventId principal role resource action decision mechanism clientAddress operation subject';

describe('query limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });

  it('refuse queries nested deeper than 10 with QUERY_TOO_DEEP, before anything runs', async () => {
    const deep =
      '{ impact(dataset: { namespace: "lake", name: "raw.customers" }) { columns { column { dataset { dataset { fields { tags { origins { dataset { dataset { tags { origins { field } } } } } } } } } } } } }';
    const { body } = await h.query('data_engineer', deep);
    expect(body.data).toBeUndefined();
    expect(codes(body)).toEqual(['QUERY_TOO_DEEP']);
    expect(body.errors?.[0]?.message).toBe(
      'the operation nests fields deeper than the limit of 10',
    );
  });

  it('refuse queries estimated too costly with QUERY_TOO_COSTLY', async () => {
    const { body } = await h.query(
      'auditor',
      `query Everything { accessHistory(resource: "kafka://main/orders", first: 500) { edges { cursor node { ${nodeFields} } } } }`,
    );
    expect(body.data).toBeUndefined();
    expect(codes(body)).toEqual(['QUERY_TOO_COSTLY']);
    expect(body.errors?.[0]?.message).toMatch(
      /^operation Everything is estimated to cost more than 5000/,
    );
  });

  it('allow the same selection with a reasonable page', async () => {
    const { body } = await h.query(
      'auditor',
      `{ accessHistory(resource: "kafka://main/orders", first: 100) { edges { cursor node { ${nodeFields} } } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.accessHistory.edges).toHaveLength(3);
  });

  it('refuse pages larger than 500 with PAGE_TOO_LARGE, as literals or variables', async () => {
    const literal = await h.query('auditor', '{ configHistory(first: 501) { edges { cursor } } }');
    expect(codes(literal.body)).toContain('PAGE_TOO_LARGE');
    expect(literal.body.errors?.find((e) => e.extensions?.code === 'PAGE_TOO_LARGE')?.message).toBe(
      'Query.configHistory: first is 501; the largest page is 500, use after: endCursor for more',
    );
    const variable = await h.query(
      'auditor',
      'query ($n: Int) { configHistory(first: $n) { edges { cursor } } }',
      { n: 10_000 },
    );
    expect(codes(variable.body)).toContain('PAGE_TOO_LARGE');
    const defaulted = await h.query(
      'auditor',
      'query ($n: Int = 501) { configHistory(first: $n) { edges { cursor } } }',
    );
    expect(codes(defaulted.body)).toContain('PAGE_TOO_LARGE');
    const fine = await h.query(
      'auditor',
      'query ($n: Int) { configHistory(first: $n) { edges { cursor } } }',
      { n: 2 },
    );
    expect(fine.body.errors).toBeUndefined();
  });

  it('refuse lineage and column-lineage walks deeper than 20 with LINEAGE_TOO_DEEP', async () => {
    const lineage = await h.query(
      'data_engineer',
      '{ lineage(node: { kind: DATASET, namespace: "lake", name: "raw.customers" }, depth: 21) { nodes { name } } }',
    );
    expect(codes(lineage.body)).toEqual(['LINEAGE_TOO_DEEP']);
    expect(lineage.body.errors?.[0]?.message).toBe(
      'Query.lineage: depth is 21; the deepest walk allowed is 20',
    );
    const column = await h.query(
      'data_engineer',
      'query ($d: Int!) { columnLineage(dataset: { namespace: "lake", name: "raw.customers" }, field: "email", depth: $d) { nodes { field } } }',
      { d: 50 },
    );
    expect(codes(column.body)).toEqual(['LINEAGE_TOO_DEEP']);
    const ok = await h.query(
      'data_engineer',
      '{ lineage(node: { kind: DATASET, namespace: "lake", name: "raw.customers" }, depth: 20) { nodes { name } } }',
    );
    expect(ok.body.errors).toBeUndefined();
  });

  it('refuse heavily aliased repeated fields with TOO_MANY_ALIASES', async () => {
    const aliased = Array.from(
      { length: 31 },
      (_, i) => `a${i}: __schema { queryType { name } }`,
    ).join(' ');
    const { body } = await h.query(null, `{ ${aliased} }`);
    expect(body.data).toBeUndefined();
    expect(codes(body)).toEqual(['TOO_MANY_ALIASES']);
  });

  it('refuse a field repeated so often that GraphQL gives up validating, saying so', async () => {
    for (const field of ['__typename', 'checkpoint { size }']) {
      const { body } = await h.query('auditor', `{ ${`${field} `.repeat(800)} }`);
      expect(body.data).toBeUndefined();
      expect(codes(body)).toEqual(['QUERY_TOO_COSTLY']);
      expect(body.errors?.[0]?.message).toMatch(/repeats the same fields too often/);
    }
  });

  it('refuse deep introspection but let the standard introspection query (GraphiQL) through', async () => {
    const standard = await h.query(null, getIntrospectionQuery());
    expect(standard.body.errors).toBeUndefined();
    expect(standard.body.data?.__schema.queryType.name).toBe('Query');
    const bomb = await h.query(
      null,
      '{ __schema { types { fields { type { fields { type { fields { type { fields { type { fields { name } } } } } } } } } } } }',
    );
    expect(bomb.body.data).toBeUndefined();
    expect(codes(bomb.body)).toContain('QUERY_TOO_DEEP');
  });

  it('refuse documents nested too deep to parse safely with QUERY_TOO_DEEP, not a 500', async () => {
    const chain = `{ __type(name: "Query") { ${'ofType { '.repeat(3000)}name${' }'.repeat(3000)} } }`;
    const list = `{ event(id: ${'['.repeat(40_000)}1${']'.repeat(40_000)}) { id } }`;
    for (const doc of [chain, list]) {
      const { status, body } = await h.query('auditor', doc);
      expect(status).toBe(200);
      expect(codes(body)).toEqual(['QUERY_TOO_DEEP']);
      expect(body.errors?.[0]?.message).toMatch(
        /^the document nests braces, brackets or parentheses \d+ levels deep; the limit is 64$/,
      );
    }
    // A block string ends at the first unescaped triple quote, not at an escaped one.
    const hidden = `{ checkpoint(x: """\\"""""") { size } } { event(id: ${'['.repeat(5000)}1${']'.repeat(5000)}) { id } }`;
    expect(codes((await h.query('auditor', hidden)).body)).toEqual(['QUERY_TOO_DEEP']);
    const braces = await h.query(
      'auditor',
      `{ event(id: """ \\""" ${'{'.repeat(70)} """) { id } }`,
    );
    expect(codes(braces.body)).not.toContain('QUERY_TOO_DEEP');
    // Nesting inside strings and comments does not count.
    const quoted = await h.query('auditor', `{ checkpoint { size } } # ${'{'.repeat(100)}\n`);
    expect(quoted.body.errors).toBeUndefined();
  });

  it('refuse documents too long or of too many tokens with QUERY_TOO_LARGE, before parsing', async () => {
    const long = `{ checkpoint { size } } # ${'x'.repeat(100_000)}\n`;
    const long1 = await h.query('auditor', long);
    expect(long1.body.data).toBeUndefined();
    expect(codes(long1.body)).toEqual(['QUERY_TOO_LARGE']);
    expect(long1.body.errors?.[0]?.message).toBe(
      'the document is 100027 characters long; the limit is 100000',
    );
    const unclosed = await h.query('auditor', `{ a${' a'.repeat(60_000)}`);
    expect(codes(unclosed.body)).toEqual(['QUERY_TOO_LARGE']);
    for (const fields of [10_000, 10_001]) {
      const many = await h.query(null, `query Many${fields} { ${'a '.repeat(fields)}}`);
      expect(codes(many.body)).toEqual(['QUERY_TOO_LARGE']);
      expect(many.body.errors?.[0]?.message).toBe(
        'the document holds more than 10000 tokens (names, punctuation, values); the limit is 10000',
      );
    }
    const justUnder = await h.query('auditor', `{ ${'a '.repeat(9_998)}}`);
    expect(codes(justUnder.body)).not.toContain('QUERY_TOO_LARGE');
    expect(h.recorded.at(-2)).toEqual(
      expect.objectContaining({
        decision: 'denied',
        reason: expect.stringMatching(/^QUERY_TOO_LARGE: the document holds more than 10000/),
      }),
    );
  });

  it('terminate on fragment cycles and repeated fragment spreads', async () => {
    const cyclic = await h.query(
      'auditor',
      'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A checkpoint { size } }',
    );
    expect(cyclic.body.data).toBeUndefined();
    expect(cyclic.body.errors?.length).toBeGreaterThan(0);
    const fragments = Array.from(
      { length: 20 },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    ).join(' ');
    const explosive = await h.query(
      'auditor',
      `query { ...F0 } ${fragments} fragment F20 on Query { checkpoint { size } }`,
    );
    expect(codes(explosive.body)).toEqual(['QUERY_TOO_COSTLY']);
  });

  it('are configurable', async () => {
    const strict = await harness({ maxDepth: 3, maxPageSize: 100 });
    const deep = await strict.query('auditor', '{ currentConfig { actor { principal } } }');
    expect(deep.body.errors).toBeUndefined();
    const deeper = await strict.query('auditor', '{ configHistory { edges { node { target } } } }');
    expect(codes(deeper.body)).toEqual(['QUERY_TOO_DEEP']);
    const page = await strict.query(
      'auditor',
      '{ configHistory(first: 101) { edges { cursor } } }',
    );
    expect(codes(page.body)).toEqual(['PAGE_TOO_LARGE']);
  });

  it('must leave room for the default page size', async () => {
    await expect(harness({ maxPageSize: 10 })).rejects.toThrow(
      'maxPageSize must be at least the default page size (50)',
    );
  });
});
