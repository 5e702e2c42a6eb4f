/**
 * The tests' cookie-keeping HTTP client: it behaves like a browser for links, form posts and redirects,
 * for every part of the service (the sign-in screens, the account pages, the staff console). Cookies
 * are kept per name and path, as the provider's path-scoped interaction cookies and the console's
 * /admin cookie need; every answer keeps its headers and bytes too (for the console's headers and
 * documents). Staff sign-in over it: ./staff.ts.
 */
export interface Page { status: number; url: string; html: string; location?: string; headers: Headers; body: Buffer }

/** A form as fields (sent url-encoded), or a body as it is (with its own content-type header). */
export type RequestBody = Record<string, string> | URLSearchParams | string | Buffer;

export interface BrowserOptions {
  /** Where relative targets ('/admin/login') lead; absolute ones are taken as they are. */
  base?: string;
  /** Sent with every request (accept-language, forwarded headers, a forged Host). */
  headers?: Record<string, string>;
}

interface StoredCookie { name: string; value: string; path: string }

export class HttpBrowser {
  private cookies: StoredCookie[] = [];
  /** Every Set-Cookie header received, in order (for asserting on cookie attributes). */
  readonly setCookies: string[] = [];
  readonly base: string | undefined;
  readonly headers: Record<string, string>;

  constructor(options: BrowserOptions = {}) {
    this.base = options.base;
    this.headers = options.headers ?? {};
  }

  private cookieHeader(url: URL): string {
    return this.cookies
      .filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      this.setCookies.push(header);
      const [pair, ...attributes] = header.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const pathAttribute = attributes.find((a) => a.toLowerCase().startsWith('path='));
      const path = pathAttribute ? pathAttribute.slice(5) : url.pathname.replace(/\/[^/]*$/, '') || '/';
      const expired = attributes.some((a) => /^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now()) || value === '';
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!expired) this.cookies.push({ name, value, path });
    }
  }

  /** Whether a cookie of this name is kept (for any path). */
  hasCookie(name: string): boolean {
    return this.cookies.some((c) => c.name === name);
  }

  /** One request, no redirect following. */
  async request(method: string, target: string, body?: RequestBody, extraHeaders: Record<string, string> = {}): Promise<Page> {
    const url = new URL(target, this.base);
    const headers: Record<string, string> = { ...this.headers, ...extraHeaders };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { method, headers, body: encode(body), redirect: 'manual' });
    this.store(url, response);
    const bytes = Buffer.from(await response.arrayBuffer());
    const location = response.headers.get('location') ?? undefined;
    return {
      status: response.status, url: url.toString(), html: new TextDecoder().decode(bytes), location: location ? new URL(location, url).toString() : undefined,
      headers: response.headers, body: bytes,
    };
  }

  /** Follows redirects until a page, or until a redirect leaves for `stopAt` (the client's callback). */
  async follow(page: Page, stopAt?: string): Promise<Page> {
    let current = page;
    for (let hops = 0; current.location && hops < 20; hops += 1) {
      if (stopAt && current.location.startsWith(stopAt)) return current;
      current = await this.request('GET', current.location);
    }
    return current;
  }

  async get(target: string, stopAt?: string): Promise<Page> {
    return this.follow(await this.request('GET', target), stopAt);
  }

  /** Submits the form whose action matches, with the page's CSRF token, and follows redirects. */
  async submit(page: Page, action: string | RegExp, fields: Record<string, string>, stopAt?: string): Promise<Page> {
    const form = findForm(page, action);
    const body = new URLSearchParams({ ...form.hidden, ...fields });
    return this.follow(await this.request('POST', new URL(form.action, page.url).toString(), body), stopAt);
  }
}

function encode(body: RequestBody | undefined): BodyInit | undefined {
  if (body === undefined || typeof body === 'string' || body instanceof URLSearchParams) return body;
  if (Buffer.isBuffer(body)) return new Uint8Array(body);
  return new URLSearchParams(body);
}

export function findForm(page: Page, action: string | RegExp): { action: string; hidden: Record<string, string> } {
  const forms = [...page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  for (const [, attributes, inner] of forms) {
    const formAction = decode(attributes!.match(/action="([^"]*)"/)?.[1] ?? '');
    if (typeof action === 'string' ? formAction === action : action.test(formAction)) {
      const hidden: Record<string, string> = {};
      for (const [, input] of inner!.matchAll(/<input\b([^>]*)>/g)) {
        if (!/type="hidden"/.test(input!)) continue;
        const name = input!.match(/name="([^"]*)"/)?.[1];
        if (name) hidden[name] = decode(input!.match(/value="([^"]*)"/)?.[1] ?? '');
      }
      return { action: formAction, hidden };
    }
  }
  throw new Error(`no form with action ${action} on ${page.url} (status ${page.status}):\n${page.html.slice(0, 2000)}`);
}

function decode(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** The visible text of a page (tags dropped), for asserting on messages. */
export function textOf(page: Page): string {
  return decode(page.html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
}

/** The href of the link whose text is `label` (as a user would click it). */
export function linkByText(page: Page, label: string): string {
  for (const [, attributes, inner] of page.html.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/g)) {
    if (decode(inner!.replace(/<[^>]+>/g, '')).trim() === label) {
      const href = attributes!.match(/href="([^"]*)"/)?.[1];
      if (href) return new URL(decode(href), page.url).toString();
    }
  }
  throw new Error(`no link "${label}" on ${page.url}`);
}
