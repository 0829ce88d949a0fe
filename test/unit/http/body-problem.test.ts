import { describe, expect, it } from 'vitest';
import { bodyProblem, parseBatch } from '../../../src/http/body.js';

const answer = async (r: Response) => ({
  status: r.status,
  error: ((await r.json()) as { error: { code: string; message: string } }).error,
});

describe('the answer to a body that cannot be read', () => {
  it('is 413, 415 or 400 with a code and a message naming the problem', async () => {
    expect(await answer(bodyProblem({ kind: 'too-large', limit: 4096 }, 'batch', 'x'))).toEqual({
      status: 413,
      error: { code: 'payload-too-large', message: 'batch exceeds 4096 bytes' },
    });
    expect(
      await answer(
        bodyProblem(
          { kind: 'unsupported-media-type', contentType: 'text/csv' },
          'body',
          'application/json',
        ),
      ),
    ).toEqual({
      status: 415,
      error: { code: 'unsupported-media-type', message: 'use application/json, not text/csv' },
    });
    const malformed = await answer(
      bodyProblem(
        { kind: 'malformed', errors: [{ line: 2, message: 'Unexpected token' }] },
        'batch',
        'x',
      ),
    );
    expect(malformed).toMatchObject({
      status: 400,
      error: { code: 'malformed-body', message: 'line 2: Unexpected token' },
    });
    expect(malformed.error).toHaveProperty('details', [{ line: 2, message: 'Unexpected token' }]);
    // A body that is JSON but not events is named for what it is, not called invalid JSON.
    const scalar = await answer(
      bodyProblem(
        {
          kind: 'malformed',
          errors: [{ message: 'expected a JSON array of events or one event object' }],
        },
        'batch',
        'x',
      ),
    );
    expect(scalar.error).toMatchObject({
      message: 'expected a JSON array of events or one event object',
    });
  });
});

describe('a body sent with a content encoding other than gzip', () => {
  it('is refused with 415 naming the encoding, not called invalid gzip', async () => {
    const req = new Request('http://gouvernail.local/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'br' },
      body: Buffer.from('[]'),
    });
    const parsed = await parseBatch(req, 1024);
    expect(parsed).toEqual({
      ok: false,
      problem: { kind: 'unsupported-encoding', encoding: 'br' },
    });
    if (parsed.ok) return;
    expect(await answer(bodyProblem(parsed.problem, 'batch', 'x'))).toEqual({
      status: 415,
      error: {
        code: 'unsupported-content-encoding',
        message: 'Content-Encoding br is not accepted: send the body as it is or with gzip',
      },
    });
  });
});
