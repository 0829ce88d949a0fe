import type { Ingestor } from '../ingest/ingest.js';
import { bodyProblem, parseBatch, tooManyEvents } from './body.js';
import { json, problem } from './respond.js';

/**
 * POST /v1/events: a JSON array or NDJSON of events. 200 with each event's position or
 * `duplicate`; 400 naming every bad event (nothing of the batch is stored); 413 when too large.
 */
export const postEvents = async (
  req: Request,
  deps: { ingestor: Ingestor; maxBatchBytes: number; maxBatchEvents: number },
): Promise<Response> => {
  const body = await parseBatch(req, deps.maxBatchBytes);
  if (!body.ok) {
    // What is not JSON claims no type.
    if (body.problem.kind === 'malformed')
      deps.ingestor.countInvalid(Array<string>(body.problem.errors.length).fill('unknown'), 'http');
    return bodyProblem(body.problem, 'batch', 'application/json or application/x-ndjson');
  }
  if (body.items.length === 0) return problem(400, 'empty-batch', 'the batch holds no events');
  const tooMany = tooManyEvents(body.items.length, deps.maxBatchEvents);
  if (tooMany) return tooMany;
  const result = await deps.ingestor.ingest(body.items, 'http');
  if (result.status === 'rejected') {
    const details = result.rejected.map((r) => ({
      ...(body.lines ? { line: body.lines[r.index] } : {}),
      index: r.index,
      // An id is at most 128 characters; a longer one is echoed cut, not whole.
      ...(r.id === undefined ? {} : { id: r.id.length > 128 ? `${r.id.slice(0, 128)}…` : r.id }),
      errors: r.issues.map((i) => `${i.path}: ${i.message}`),
    }));
    return problem(
      400,
      'invalid-events',
      `${details.length} of ${body.items.length} events are invalid; nothing was stored`,
      details,
    );
  }
  return json({ results: result.outcomes });
};
