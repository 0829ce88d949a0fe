import { waitForProjections } from './cli.js';

/** One access record as the access history answers it. */
export interface AccessRow {
  principal: string;
  resource: string;
  decision: string;
  operation: string | null;
}

/** What a running server's access history holds of `principal`, once its self-audit reached it. */
export const accessRecordsOf = async (
  url: string,
  adminToken: string,
  principal: string,
): Promise<AccessRow[]> => {
  await new Promise((r) => setTimeout(r, 400)); // refusals are appended every 200 ms
  await waitForProjections(url);
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({
      query: `{ accessHistory(principal: "${principal}", first: 50) { edges { node { principal resource decision operation } } } }`,
    }),
  });
  const body = (await res.json()) as {
    data: { accessHistory: { edges: { node: AccessRow }[] } };
  };
  return body.data.accessHistory.edges.map((e) => e.node);
};
