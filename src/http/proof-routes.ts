import type { ProofService } from '../proofs.js';
import { json, problem } from './respond.js';

const statusOf = { 'not-found': 404, 'no-checkpoint': 404, 'bad-range': 400 } as const;

/** GET /v1/proof/inclusion?id=EVENT_ID */
export const getInclusionProof = async (url: URL, proofs: ProofService): Promise<Response> => {
  const id = url.searchParams.get('id');
  if (!id)
    return problem(400, 'missing-parameter', 'query parameter id (the event id) is required');
  const doc = await proofs.inclusion(id);
  return 'code' in doc ? problem(statusOf[doc.code], doc.code, doc.message) : json(doc);
};

/** GET /v1/proof/consistency?from=N&to=M (to defaults to the latest checkpoint) */
export const getConsistencyProof = (url: URL, proofs: ProofService): Response => {
  const from = sizeParam(url, 'from');
  const to = url.searchParams.has('to') ? sizeParam(url, 'to') : undefined;
  if (typeof from === 'string') return problem(400, 'bad-parameter', from);
  if (typeof to === 'string') return problem(400, 'bad-parameter', to);
  const doc = proofs.consistency(from, to);
  return 'code' in doc ? problem(statusOf[doc.code], doc.code, doc.message) : json(doc);
};

const sizeParam = (url: URL, name: string): number | string => {
  const raw = url.searchParams.get(name);
  if (raw === null) return `query parameter ${name} (a tree size) is required`;
  const n = Number(raw);
  return /^\d+$/.test(raw) && Number.isSafeInteger(n)
    ? n
    : `${name} must be a non-negative integer, got '${raw}'`;
};
