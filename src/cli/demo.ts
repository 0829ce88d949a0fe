import { auditStory, lineageStory } from '../demo/story.js';

/** Loads the demo story into a running instance over its public HTTP API. */
export const loadDemo = async (
  url: string,
  token: string,
  day = new Date('2026-11-02T06:00:00.000Z'),
): Promise<{ lineage: number; audit: number }> => {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const lineage = lineageStory(day);
  for (const event of lineage) {
    const res = await fetch(`${url}/api/v1/lineage`, {
      method: 'POST',
      headers,
      body: JSON.stringify(event),
    });
    if (!res.ok)
      throw new Error(`POST /api/v1/lineage answered ${res.status}: ${await res.text()}`);
  }
  const audit = auditStory(day);
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers,
    body: JSON.stringify(audit),
  });
  if (!res.ok) throw new Error(`POST /v1/events answered ${res.status}: ${await res.text()}`);
  return { lineage: lineage.length, audit: audit.length };
};
