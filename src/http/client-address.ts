/**
 * The caller's network address, for the audit records. The socket's peer is the only address
 * nobody can forge; `X-Forwarded-For` is believed only for as many hops as there are reverse proxies
 * of the operator's in front of gouvernail (`GOUVERNAIL_TRUSTED_PROXIES`), read from the right: each
 * proxy appends the address it saw, while a client can prepend anything.
 */
const peers = new WeakMap<Request, string>();

/** Called by the HTTP server with the socket's remote address of each request. */
export const rememberPeer = (req: Request, address: string | undefined): void => {
  if (address) peers.set(req, address);
};

/**
 * The address to record: the peer with no trusted proxy; otherwise, in the chain of
 * `X-Forwarded-For` hops followed by the peer, the one `trustedProxies` places from the right (the
 * leftmost when the chain is shorter). Undefined when the request did not come through the server.
 */
export const clientAddressOf = (req: Request, trustedProxies: number): string | undefined => {
  const peer = peers.get(req);
  if (peer === undefined) return undefined;
  if (trustedProxies === 0) return peer;
  const hops = (req.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  const chain = [...hops, peer];
  return chain[Math.max(0, chain.length - 1 - trustedProxies)];
};
