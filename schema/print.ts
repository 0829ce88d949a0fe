/**
 * Writes `schema/schema.graphql` from the Pothos schema: `npx vite-node schema/print.ts`.
 * The committed file is what clients read; test/unit/graphql/schema.test.ts fails when it drifts.
 */
import { writeFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql/index.js';
import { schema } from './index.js';

writeFileSync(
  new URL('./schema.graphql', import.meta.url),
  `${printSchema(lexicographicSortSchema(schema))}\n`,
);
