import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { yogaLogger } from '../../../src/graphql/yoga-logger.js';
import { broken, harness } from './support.js';

describe('an unexpected failure of the GraphQL endpoint', () => {
  it('is masked in the answer and logged whole for the operator', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const h = await harness(undefined, [], yogaLogger(log));
    const { body } = await h.query(
      'dpo',
      `{ event(id: "evt-personal") { personal(subject: "${broken}") { __typename } } }`,
    );
    expect(body.errors?.map((e) => e.message)).toEqual(['Unexpected error.']);
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; err?: { message: string } });
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 50,
        msg: 'GraphQL request failed',
        err: expect.objectContaining({ message: 'vault at 10.0.0.7 unreachable' }),
      }),
    );
  });
});
