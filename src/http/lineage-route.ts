import { describeIssues, validateOpenLineage } from '../../domain/openlineage.js';
import { validateNewEvent } from '../../domain/validation.js';
import type { Ingestor } from '../ingest/ingest.js';
import { openLineageEnvelope } from '../ingest/openlineage-envelope.js';
import { bodyProblem, parseBatch, tooManyEvents } from './body.js';
import { json, problem } from './respond.js';

/** Every OpenLineage event is recorded as a `LineageRunEvent`: refused ones are counted as that type. */
const countInvalid = (ingestor: Ingestor, n: number): void => {
  ingestor.countInvalid(Array<string>(n).fill('LineageRunEvent'), 'openlineage');
};

/**
 * POST /api/v1/lineage: the endpoint an OpenLineage HTTP transport posts to (Spark listener,
 * Airflow, dbt). One RunEvent, DatasetEvent or JobEvent per request (an array is accepted too);
 * 201 when recorded, 400 naming the field of an invalid event.
 */
export const postLineage = async (
  req: Request,
  deps: { ingestor: Ingestor; maxBatchBytes: number; maxBatchEvents: number; submittedBy: string },
): Promise<Response> => {
  const body = await parseBatch(req, deps.maxBatchBytes);
  if (!body.ok) {
    if (body.problem.kind === 'malformed') countInvalid(deps.ingestor, body.problem.errors.length);
    return bodyProblem(body.problem, 'body', 'application/json');
  }
  if (body.items.length === 0)
    return problem(400, 'empty-batch', 'no OpenLineage event in the body');
  const tooMany = tooManyEvents(body.items.length, deps.maxBatchEvents);
  if (tooMany) return tooMany;
  const envelopes = [];
  const invalid = [];
  for (const [index, item] of body.items.entries()) {
    const ol = validateOpenLineage(item);
    if (!ol.ok) {
      invalid.push({ index, errors: describeIssues(ol.error) });
      continue;
    }
    const envelope = openLineageEnvelope(ol.value, deps.submittedBy);
    const checked = validateNewEvent(envelope);
    if (!checked.ok) invalid.push({ index, errors: describeIssues(checked.error) });
    else envelopes.push(checked.value);
  }
  if (invalid.length > 0) {
    countInvalid(deps.ingestor, invalid.length);
    const first = invalid[0]!;
    return problem(
      400,
      'invalid-openlineage-event',
      `invalid OpenLineage event: ${first.errors[0] ?? 'unknown problem'}`,
      invalid,
    );
  }
  // Each envelope was validated just above: no need to do it again.
  const result = await deps.ingestor.ingestValid(envelopes, 'openlineage');
  if (result.status === 'rejected') {
    return problem(400, 'invalid-openlineage-event', 'the event was refused', result.rejected);
  }
  return json({ results: result.outcomes }, 201);
};
