import type { Configuration } from 'oidc-provider';
import type { ClientConfig } from '../config/types.js';

type ProviderFetch = NonNullable<Configuration['fetch']>;

/**
 * The provider's outgoing requests (configuration `fetch`). oidc-provider 9 sends them through a
 * dispatcher that drops any connection to a special-use address (loopback, RFC 1918, link-local…),
 * against server-side request forgery by URLs a client registers itself. Here every such URL — a
 * relying party's `backchannel_logout_uri` and `jwks_uri` — is the operator's, from the configuration,
 * and a certificate app on the campus network or inside the cluster has exactly such an address: its
 * logout would never arrive. Requests to those exact URLs go without the dispatcher; any other URL
 * keeps it.
 */
export function providerFetch(clients: ClientConfig[]): ProviderFetch {
  const configured = new Set<string>();
  for (const client of clients) {
    for (const url of [client.backchannel_logout_uri, client.jwks_uri]) if (url) configured.add(new URL(url).href);
  }
  return (input, init) => {
    const href = new URL(input instanceof Request ? input.url : input).href;
    if (!configured.has(href) || !init || !('dispatcher' in init)) return fetch(input, init);
    const { dispatcher: _specialUseGuard, ...rest } = init as RequestInit & { dispatcher?: unknown };
    return fetch(input, rest);
  };
}
