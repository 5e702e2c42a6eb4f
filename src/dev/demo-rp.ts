import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { AppConfig, ClientConfig } from '../config/types.js';
import { render } from '../web/render.js';

const DEMO_CLIENT_ID = 'demo-rp';

/**
 * The demo relying party's client (`demo-rp` of a configuration with `demo: true`, never in
 * production), registered where the demo runs: its callback, logout return and login start follow
 * ISSUER (by default http://localhost:$PORT), whatever URIs the file gives.
 */
export function demoRelyingPartyClient(config: AppConfig): ClientConfig | undefined {
  if (config.env.production || !config.demo) return undefined;
  const client = config.clients.find((c) => c.client_id === DEMO_CLIENT_ID);
  if (!client) return undefined;
  return {
    ...client,
    redirect_uris: [`${config.issuer}/dev/rp/callback`],
    post_logout_redirect_uris: [`${config.issuer}/`],
    initiate_login_uri: `${config.issuer}/dev/rp/login`,
  };
}

/** The configuration with the demo relying party registered at ISSUER (see demoRelyingPartyClient). */
export function withDemoRelyingParty(config: AppConfig): AppConfig {
  const demo = demoRelyingPartyClient(config);
  return demo ? { ...config, clients: config.clients.map((c) => (c.client_id === demo.client_id ? demo : c)) } : config;
}

/**
 * Development only: a tiny relying party inside the demo, so that a newcomer can sign in as a demo
 * student right after `npm start`. It does what the certificate app does: code flow with PKCE,
 * token exchange, ID token check, userinfo, RP-initiated logout.
 */
export function demoRelyingParty(config: AppConfig, client: ClientConfig): Router {
  const router = new Router({ prefix: '/dev/rp' });
  const redirectUri = client.redirect_uris[0]!;
  const jwks = createRemoteJWKSet(new URL(`${config.issuer}/jwks`));
  const cookie = { signed: true, httpOnly: true, sameSite: 'lax' as const, path: '/dev/rp', maxAge: 600_000, overwrite: true };

  router.get('/login', (ctx) => {
    const state = randomBytes(16).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    ctx.cookies.set('demo_rp', JSON.stringify({ state, nonce, verifier }), cookie);
    const url = new URL(`${config.issuer}/auth`);
    const params: Record<string, string> = {
      client_id: client.client_id,
      response_type: 'code',
      scope: 'openid email profile enrollment',
      redirect_uri: redirectUri,
      state,
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    };
    for (const key of ['login_type', 'ui_locales', 'prompt'] as const) {
      if (typeof ctx.query[key] === 'string') params[key] = ctx.query[key] as string;
    }
    url.search = new URLSearchParams(params).toString();
    ctx.redirect(url.toString());
  });

  router.get('/callback', async (ctx) => {
    const saved = JSON.parse(ctx.cookies.get('demo_rp', { signed: true }) ?? '{}') as { state?: string; nonce?: string; verifier?: string };
    ctx.cookies.set('demo_rp', null, { path: '/dev/rp' });
    if (!saved.state || ctx.query.state !== saved.state) ctx.throw(400, 'state mismatch');
    if (ctx.query.error) {
      return render(ctx, 'dev/rp-result', { title: 'Demo relying party', error: `${ctx.query.error}: ${ctx.query.error_description ?? ''}` });
    }
    const tokenResponse = await fetch(`${config.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret ?? '')}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: String(ctx.query.code), redirect_uri: redirectUri, code_verifier: saved.verifier ?? '' }),
    });
    const tokens = await tokenResponse.json() as { id_token?: string; access_token?: string; error?: string };
    if (!tokenResponse.ok || !tokens.id_token || !tokens.access_token) {
      return render(ctx, 'dev/rp-result', { title: 'Demo relying party', error: tokens.error ?? 'token request failed' });
    }
    const { payload: idToken } = await jwtVerify(tokens.id_token, jwks, { issuer: config.issuer, audience: client.client_id });
    if (idToken.nonce !== saved.nonce) ctx.throw(400, 'nonce mismatch');
    const userinfo = await (await fetch(`${config.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
    const logout = new URL(`${config.issuer}/session/end`);
    logout.search = new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: client.post_logout_redirect_uris?.[0] ?? `${config.issuer}/` }).toString();
    render(ctx, 'dev/rp-result', {
      title: 'Demo relying party',
      idToken: JSON.stringify(idToken, null, 2),
      userinfo: JSON.stringify(userinfo, null, 2),
      logoutUrl: logout.toString(),
    });
  });

  return router;
}
