import { readFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import { schema } from '../../../schema/index.js';

describe('schema.graphql', () => {
  it('is the committed schema (regenerate with `npx vite-node schema/print.ts`)', () => {
    const committed = readFileSync(
      new URL('../../../schema/schema.graphql', import.meta.url),
      'utf8',
    );
    expect(`${printSchema(lexicographicSortSchema(schema))}\n`).toBe(committed);
  });
});
