import { graphqlEndToEnd } from '../support/graphql-e2e.js';

graphqlEndToEnd('embedded SQLite read stores', () => ({}));
