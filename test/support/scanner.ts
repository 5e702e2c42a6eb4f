import { HttpBrowser, type Page } from './browser.js';

/**
 * What a mail-security gateway (e.g. Safe Links) does with every URL of a mail before or when the user
 * clicks: HEAD, then GET twice, without the user's cookies, from another address. Returns the three
 * answers; the caller checks that they changed nothing.
 */
export async function scanLikeAMailGateway(url: string): Promise<[head: Page, first: Page, second: Page]> {
  const gateway = () => new HttpBrowser({ headers: { 'user-agent': 'Mozilla/5.0 (compatible; SafeLinksScanner)', 'x-forwarded-for': '203.0.113.9' } });
  const head = await gateway().request('HEAD', url);
  const first = await gateway().request('GET', url);
  const second = await gateway().request('GET', url);
  return [head, first, second];
}
