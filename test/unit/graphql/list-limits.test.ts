import { beforeAll, describe, expect, it } from 'vitest';
import { codes, harness, wideDataset, type Harness } from './support.js';

const aliased = (count: number, dataset: string, selection: string): string =>
  `{ ${Array.from({ length: count }, (_, i) => `d${i}: dataset(namespace: "lake", name: "${dataset}") { ${selection} }`).join(' ')} }`;

describe('lists without pages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({}, [wideDataset('wide40', 40), wideDataset('wide1000', 1000)]);
  });

  it('count as 10 items in the estimate: columns → tags → origins → their dataset’s columns … is refused before it runs', async () => {
    const amplified = aliased(
      30,
      'wide40',
      'fields { tags { origins { dataset { dataset { fields { tags { origins { field } } } } } } } }',
    );
    const { status, body } = await h.query('data_engineer', amplified);
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(codes(body)).toEqual(['QUERY_TOO_COSTLY']);
    expect(body.errors?.[0]?.message).toMatch(
      /^the operation is estimated to cost more than 5000 \(each field costs 1 per item of every enclosing list; a page counts as its first, any other list as 10\)/,
    );
  });

  it('are counted as they really are while the operation runs: past 100000 values it stops, with no partial answer', async () => {
    // Estimated at about 4000 (30 × a 10-column list), but the dataset has 1000 columns: 180,000 values.
    const { status, body } = await h.query(
      'data_engineer',
      aliased(30, 'wide1000', 'fields { name type tags { tag } }'),
    );
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(codes(body)).toEqual(['QUERY_TOO_COSTLY']);
    expect(body.errors?.[0]?.message).toMatch(
      /^the operation was stopped: it produced more than 100000 values, the budget of one operation \(each field of each object and each item of each list counts 1\)/,
    );
    expect(h.recorded.at(-1)).toMatchObject({
      decision: 'denied',
      reason: expect.stringMatching(
        /^QUERY_TOO_COSTLY: the operation was stopped: it produced more than 100000 values/,
      ) as unknown,
    });
  });

  it('still answer in full below the budget: every column of a wide dataset with its tags and where they were put', async () => {
    const { body } = await h.query(
      'data_engineer',
      '{ dataset(namespace: "lake", name: "wide1000") { fields { name tags { tag origins { dataset { name } field } } } } }',
    );
    expect(body.errors).toBeUndefined();
    const fields = body.data?.dataset.fields as { name: string; tags: unknown[] }[];
    expect(fields).toHaveLength(1000);
    expect(fields[999]).toEqual({
      name: 'c999',
      tags: [{ tag: 'pii:email', origins: [{ dataset: { name: 'wide1000' }, field: 'c999' }] }],
    });
    const tenAliases = await h.query(
      'data_engineer',
      aliased(10, 'wide1000', 'fields { name type tags { tag } }'),
    );
    expect(tenAliases.body.errors).toBeUndefined();
    expect(tenAliases.body.data?.d9.fields).toHaveLength(1000);
  });

  it('have a configurable assumed size and budget', async () => {
    const strict = await harness({ assumedListSize: 100, maxResolvedValues: 20 });
    const estimated = await strict.query(
      'data_engineer',
      '{ dataset(namespace: "lake", name: "raw.customers") { fields { tags { origins { field source } } } } }',
    );
    expect(estimated.body.errors?.[0]?.message).toMatch(/any other list as 100\)/);
    const counted = await strict.query(
      'auditor',
      '{ accessHistory(resource: "kafka://main/orders") { edges { cursor node { time principal resource action decision } } } }',
    );
    expect(counted.body.errors?.[0]?.message).toMatch(
      /^the operation was stopped: it produced more than 20 values/,
    );
  });
});
