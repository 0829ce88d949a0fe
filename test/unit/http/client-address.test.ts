import { describe, expect, it } from 'vitest';
import { clientAddressOf, rememberPeer } from '../../../src/http/client-address.js';

const request = (peer: string | undefined, forwardedFor?: string): Request => {
  const req = new Request('http://gouvernail.local/graphql', {
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  });
  rememberPeer(req, peer);
  return req;
};

describe('the client address recorded in the audit log', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddressOf(request('192.0.2.10', '10.66.66.66'), 0)).toBe('192.0.2.10');
    expect(clientAddressOf(request('192.0.2.10'), 0)).toBe('192.0.2.10');
  });

  it('is read from the right of the chain, one hop per trusted proxy, so a prepended hop is ignored', () => {
    // The client forged 10.66.66.66; the proxy (the peer) appended the address it saw.
    const req = request('192.0.2.1', '10.66.66.66, 198.51.100.23');
    expect(clientAddressOf(req, 1)).toBe('198.51.100.23');
    // Two proxies: the outer one appended the client, the inner one the outer proxy.
    expect(clientAddressOf(request('192.0.2.1', '10.66.66.66, 198.51.100.23, 192.0.2.2'), 2)).toBe(
      '198.51.100.23',
    );
  });

  it('is the leftmost hop when the chain is shorter than the trusted proxies', () => {
    expect(clientAddressOf(request('192.0.2.1', '198.51.100.23'), 3)).toBe('198.51.100.23');
    expect(clientAddressOf(request('192.0.2.1'), 3)).toBe('192.0.2.1');
  });

  it('is unknown for a request that did not come through the server', () => {
    expect(clientAddressOf(request(undefined, '10.66.66.66'), 1)).toBeUndefined();
  });
});
