import { auditStory, lineageStory } from '../demo/story.js';

/** Why a request never got an answer: the system error code (ECONNREFUSED, ENOTFOUND…) when there is one. */
const unreachableReason = (error: unknown): string => {
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error && error.cause instanceof Error
    ? error.cause.message
    : String(error);
};

/** Refuses a URL fetch cannot use against the service (no scheme), with the fix. */
export const checkServiceUrl = (url: string): void => {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new Error(
      `--url must start with http:// or https://, got '${url}' (for example --url http://${url.replace(/^[a-z]+:\/\//i, '')})`,
    );
};

/** Loads the demo story into a running instance over its public HTTP API. */
export const loadDemo = async (
  url: string,
  token: string,
  day = new Date('2026-11-02T06:00:00.000Z'),
): Promise<{ lineage: number; audit: number }> => {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown): Promise<void> => {
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    } catch (error) {
      throw new Error(
        `cannot reach ${url}: ${unreachableReason(error)} (is gouvernail serve running there? give its address with --url URL, or set GOUVERNAIL_PORT to the port it listens on)`,
        { cause: error },
      );
    }
    if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  };
  const lineage = lineageStory(day);
  for (const event of lineage) await post('/api/v1/lineage', event);
  const audit = auditStory(day);
  await post('/v1/events', audit);
  return { lineage: lineage.length, audit: audit.length };
};
