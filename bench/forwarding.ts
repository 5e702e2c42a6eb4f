// The production server refuses an http:// issuer, so the benchmark runs it as it runs behind a
// TLS-terminating ingress: ISSUER https://127.0.0.1:<port>, TRUST_PROXY=true. The benchmark's clients
// play the ingress: fetch() to that https origin goes to the same port over plain HTTP with
// X-Forwarded-Proto: https (what the ingress adds), so the URLs the server writes (redirects,
// discovery) are followed as they are.

export const FORWARDED = { 'x-forwarded-proto': 'https' } as const;

/** http://127.0.0.1:<port> for https://127.0.0.1:<port>. */
export function plainOrigin(httpsOrigin: string): string {
  const url = new URL(httpsOrigin);
  url.protocol = 'http:';
  return url.origin;
}

const forwarded = new Set<string>();

/** Replaces this process's fetch for requests to the given https origins (nothing else changes). */
export function forwardHttps(httpsOrigins: string[]): void {
  const first = forwarded.size === 0;
  for (const origin of httpsOrigins) forwarded.add(new URL(origin).origin);
  if (!first) return;
  const original = globalThis.fetch;
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : input.toString());
    if (!forwarded.has(url.origin)) return original(input, init);
    url.protocol = 'http:';
    const headers = new Headers(init?.headers ?? request?.headers);
    headers.set('x-forwarded-proto', 'https');
    if (request) {
      return original(new Request(url, {
        method: init?.method ?? request.method, headers, body: init?.body ?? request.body, redirect: init?.redirect ?? request.redirect, duplex: 'half',
      } as RequestInit));
    }
    return original(url, { ...init, headers });
  };
}
