import { builder } from './builder.js';
import './common.js';
import './errors.js';
import './access.js';
import './config.js';
import './lineage.js';
import './events.js';
import './erasure.js';

builder.queryType({
  description:
    'The read side of gouvernail. Every field names the roles that may read it; admin reads all.',
});

builder.mutationType({
  description:
    'Commands: the erasure case life cycle (dpo only). Every call is recorded like a query.',
});

export const schema = builder.toSchema();
