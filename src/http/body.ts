import { gunzipSync } from 'node:zlib';
import { clipText } from '../../domain/text.js';
import { problem } from './respond.js';

/** Why a request body could not be turned into a list of JSON values. */
export type BodyProblem =
  | { kind: 'too-large'; limit: number }
  | { kind: 'unsupported-media-type'; contentType: string }
  | { kind: 'unsupported-encoding'; encoding: string }
  | { kind: 'malformed'; errors: { line?: number; index?: number; message: string }[] };

/** `lines[i]` is the 1-based line of item i, for NDJSON bodies. */
export type ParsedBody =
  { ok: true; items: unknown[]; lines?: number[] } | { ok: false; problem: BodyProblem };

/** Reads at most `limit` bytes; stops reading (and answers too-large) as soon as the limit is passed. */
export const readLimited = async (
  req: Request,
  limit: number,
): Promise<Uint8Array | 'too-large'> => {
  const declared = Number(req.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) return 'too-large';
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return 'too-large';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
};

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a batch: a JSON array (or one JSON object) with `application/json`, or one JSON value a
 * line with `application/x-ndjson`. Errors name the line (NDJSON) or array index (JSON).
 */
export const parseBatch = async (req: Request, limit: number): Promise<ParsedBody> => {
  const contentType = (req.headers.get('content-type') ?? 'application/json')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  const ndjson =
    contentType === 'application/x-ndjson' ||
    contentType === 'application/jsonl' ||
    contentType === 'application/ndjson';
  if (!ndjson && contentType !== 'application/json')
    return { ok: false, problem: { kind: 'unsupported-media-type', contentType } };
  const raw = await readLimited(req, limit);
  if (raw === 'too-large') return { ok: false, problem: { kind: 'too-large', limit } };
  const bytes = decodeContent(raw, req.headers.get('content-encoding'), limit);
  if (bytes === 'too-large') return { ok: false, problem: { kind: 'too-large', limit } };
  if (typeof bytes === 'object' && 'unsupported' in bytes)
    return { ok: false, problem: { kind: 'unsupported-encoding', encoding: bytes.unsupported } };
  if (bytes === 'bad-encoding')
    return {
      ok: false,
      problem: { kind: 'malformed', errors: [{ message: 'body is not valid gzip' }] },
    };
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return {
      ok: false,
      problem: { kind: 'malformed', errors: [{ message: 'body is not valid UTF-8' }] },
    };
  }
  return ndjson ? parseNdjson(text) : parseJson(text);
};

/** Undoes `Content-Encoding: gzip` (what OpenLineage clients send with compression on), within the same limit. */
const decodeContent = (
  raw: Uint8Array,
  encoding: string | null,
  limit: number,
): Uint8Array | 'too-large' | 'bad-encoding' | { unsupported: string } => {
  const e = (encoding ?? 'identity').trim().toLowerCase();
  if (e === 'identity' || e === '') return raw;
  if (e !== 'gzip') return { unsupported: e };
  try {
    return gunzipSync(raw, { maxOutputLength: limit });
  } catch (err) {
    return err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
      ? 'too-large'
      : 'bad-encoding';
  }
};

const parseJson = (text: string): ParsedBody => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      problem: {
        kind: 'malformed',
        errors: [{ message: `invalid JSON: ${(e as Error).message}` }],
      },
    };
  }
  if (Array.isArray(value)) return { ok: true, items: value };
  if (typeof value === 'object' && value !== null) return { ok: true, items: [value] };
  return {
    ok: false,
    problem: {
      kind: 'malformed',
      errors: [{ message: 'expected a JSON array of events or one event object' }],
    },
  };
};

const parseNdjson = (text: string): ParsedBody => {
  const items: unknown[] = [];
  const itemLines: number[] = [];
  const errors: { line: number; message: string }[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      items.push(JSON.parse(line));
      itemLines.push(i + 1);
    } catch (e) {
      errors.push({ line: i + 1, message: `invalid JSON: ${(e as Error).message}` });
    }
  });
  return errors.length > 0
    ? { ok: false, problem: { kind: 'malformed', errors } }
    : { ok: true, items, lines: itemLines };
};

/** The first thing wrong with a body, with its line when the body is NDJSON. */
const malformedMessage = (errors: readonly { line?: number; message: string }[]): string => {
  const first = errors[0];
  if (!first) return 'the body is not valid JSON';
  return first.line === undefined ? first.message : `line ${first.line}: ${first.message}`;
};

/**
 * The answer to a body that could not be read: 413, 415 or 400. `what` names the body in the
 * message (`batch`, `body`); `accepted` lists the media types the route takes.
 */
export const bodyProblem = (p: BodyProblem, what: string, accepted: string): Response => {
  switch (p.kind) {
    case 'too-large':
      return problem(413, 'payload-too-large', `${what} exceeds ${p.limit} bytes`);
    case 'unsupported-media-type':
      return problem(415, 'unsupported-media-type', `use ${accepted}, not ${p.contentType}`);
    case 'unsupported-encoding':
      return problem(
        415,
        'unsupported-content-encoding',
        `Content-Encoding ${clipText(p.encoding, 64)} is not accepted: send the body as it is or with gzip`,
      );
    case 'malformed':
      return problem(400, 'malformed-body', malformedMessage(p.errors), p.errors);
  }
};

/** 413 when a batch holds more than `limit` events (GOUVERNAIL_MAX_BATCH_EVENTS). */
export const tooManyEvents = (count: number, limit: number): Response | undefined =>
  count > limit
    ? problem(413, 'too-many-events', `batch holds ${count} events, the limit is ${limit}`)
    : undefined;
