import type { Server } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import { interactionPolicy, Provider, type Configuration } from 'oidc-provider';
import { freePort } from './harness.js';

/** A user of the university IdP; `claims` are what it releases (scopes profile and university). */
export interface UpstreamUser {
  sub: string;
  password: string;
  claims: Record<string, unknown>;
}

export interface UpstreamIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  provider: Provider;
  /** The query of every authorization request the IdP received, oldest first. */
  readonly authorizationRequests: URLSearchParams[];
  /**
   * How the IdP behaves; tests change it and set it back. `honourForcedLogin: false` is an IdP that
   * answers prompt=login and max_age from its session anyway; `loginAgeSeconds` dates its logins back.
   */
  behaviour: { honourForcedLogin: boolean; loginAgeSeconds: number };
  /** Listens again on the same port after stop(). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The secret of this provider's client at the IdP (known before the IdP starts, as in a real deployment). */
export const UPSTREAM_CLIENT_SECRET = 'upstream-client-secret-0123456789abcdef';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function formBody(req: NodeJS.ReadableStream): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += chunk.toString();
  return new URLSearchParams(text);
}

/**
 * A second oidc-provider, started by the test, acting as the university's OpenID Connect IdP: its
 * own login page (user name + password, and a "deny" button), first-party consent, and its own
 * cookie names (a browser keeps cookies per host, not per port).
 */
export async function startUpstreamIdp(options: { redirectUri: string; users: UpstreamUser[]; port?: number }): Promise<UpstreamIdp> {
  const port = options.port ?? await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'cert-idp';
  const clientSecret = UPSTREAM_CLIENT_SECRET;
  const users = new Map(options.users.map((u) => [u.sub, u]));
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'upstream-1' };

  const behaviour = { honourForcedLogin: true, loginAgeSeconds: 0 };
  const authorizationRequests: URLSearchParams[] = [];
  // The login prompt's checks of prompt=login and max_age, switchable off (a non-conforming IdP).
  const policy = interactionPolicy.base();
  for (const reason of ['login_prompt', 'max_age']) {
    const check = policy.get('login')!.checks.get(reason)!;
    const original = check.check.bind(check);
    check.check = (ctx) => (behaviour.honourForcedLogin ? original(ctx) : false);
  }

  const configuration: Configuration = {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [options.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [jwk] } as Configuration['jwks'],
    cookies: {
      keys: ['upstream-cookie-key-0123456789abcdefghijkl'],
      names: { session: '_up_session', interaction: '_up_interaction', resume: '_up_interaction_resume' },
    },
    scopes: ['openid', 'profile', 'university'],
    claims: {
      openid: ['sub'],
      profile: ['family_name', 'given_name', 'family_name#ja-Kana-JP', 'given_name#ja-Kana-JP', 'family_name#ja-Latn-JP', 'given_name#ja-Latn-JP'],
      university: ['student_number', 'faculty', 'department', 'student_status'],
    } as unknown as Configuration['claims'],
    async findAccount(_ctx, sub) {
      const user = users.get(sub);
      if (!user) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...user.claims }) };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy },
    pkce: { required: () => true },
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      if (!oidc.session?.accountId || !oidc.client) return undefined;
      const grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      await grant.save();
      return grant;
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
  };
  const provider = new Provider(issuer, configuration);

  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth') authorizationRequests.push(new URLSearchParams(ctx.querystring));
    await next();
  });

  // The IdP's own login screen.
  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)(?:\/(login|deny))?$/.exec(ctx.path);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const loginPage = (error = '') => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>University SSO</title><h1>University SSO</h1>${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${details.uid}/login"><input name="login"><input name="password" type="password"><button>Sign in</button></form>
<form method="post" action="/interaction/${details.uid}/deny"><button>Deny</button></form>`;
    };
    if (ctx.method === 'GET' && !match[2]) return loginPage();
    if (ctx.method !== 'POST') return next();
    let result: Parameters<Provider['interactionResult']>[2];
    if (match[2] === 'deny') {
      result = { error: 'access_denied', error_description: 'the user denied the request' };
    } else {
      const body = await formBody(ctx.req);
      const user = users.get(body.get('login') ?? '');
      if (!user || user.password !== body.get('password')) return loginPage('wrong user name or password');
      result = { login: { accountId: user.sub, ts: Math.floor(Date.now() / 1000) - behaviour.loginAgeSeconds } };
    }
    const url = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(url);
  });

  let server: Server | undefined;
  const idp: UpstreamIdp = {
    issuer,
    clientId,
    clientSecret,
    provider,
    authorizationRequests,
    behaviour,
    async start() {
      if (server) return;
      server = await new Promise<Server>((resolve) => {
        const s = provider.listen(port, '127.0.0.1', () => resolve(s));
      });
    },
    async stop() {
      const running = server;
      if (!running) return;
      server = undefined;
      const closed = new Promise<void>((resolve) => running.close(() => resolve()));
      running.closeAllConnections();
      await closed;
    },
  };
  await idp.start();
  return idp;
}
