// The benchmark's baseline: a bare oidc-provider in a process of its own, started the way the
// production server is (plain `node`, no TypeScript loader: Node strips this file's types itself,
// which is why it imports nothing of the project and uses only erasable syntax). The same features,
// scopes, claims, client, lifetimes and signing key as ours; no Koa middleware around it, the
// library's in-memory adapter, an account answered from memory with the claims our userinfo returns.
// Its login interaction is the least a login can be (a form; the two passwords verified side by side
// with @node-rs/argon2 and the same parameters as ours; the grant made as ours makes it for a
// first-party client): the floor that hashing's share of a login is compared with.
//
// Forked by bench/run.ts with BARE_PROVIDER (JSON, see BareProviderSetup); answers over IPC with the
// tokens a login would have issued, then serves until its parent goes.
import type { Server } from 'node:http';
import { verify } from '@node-rs/argon2';
import { Provider, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export interface BareProviderSetup {
  port: number;
  issuer: string;
  jwks: { keys: Array<Record<string, unknown>> };
  client: { client_id: string; client_secret: string; redirect_uri: string };
  claims: Record<string, unknown>;
  scopeClaims: Record<string, string[]>;
  scopes: string[];
  acrValues: string[];
  loginScope: string;
  offlineScope: string;
  ttl: Record<string, number>;
  /** Who can log in at the interaction (user id, PHC hashes of the password and the second password); none: no interaction. */
  logins: Array<{ userId: string; passwordHash: string; secondPasswordHash: string }>;
  /** How many access and refresh tokens to issue up front, each under a grant of its own (one per load loop). */
  tokens: number;
}

/** An access token and a refresh token of one grant, as one login of a relying party would hold them. */
export interface TokenPair { accessToken: string; refreshToken: string }

export type FromBareProvider = { type: 'ready'; tokens: TokenPair[] } | { type: 'failed'; message: string };

async function main(setup: BareProviderSetup): Promise<void> {
  const accountId = String(setup.claims.sub);
  const configuration: Configuration = {
    clients: [{
      client_id: setup.client.client_id, client_secret: setup.client.client_secret, token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [setup.client.redirect_uri], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    }],
    jwks: setup.jwks as Configuration['jwks'],
    findAccount: async (_ctx, id) => {
      if (id !== accountId) return undefined;
      return { accountId: id, claims: () => ({ ...setup.claims, sub: id }) };
    },
    claims: setup.scopeClaims,
    scopes: setup.scopes,
    acrValues: setup.acrValues,
    responseTypes: ['code', 'none'],
    ttl: setup.ttl,
    // As ours does for a first-party client: the grant covers what is asked, without a consent screen.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      if (!oidc.session?.accountId || !oidc.client) return undefined;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      const grant = (grantId ? await oidc.provider.Grant.find(grantId) : undefined)
        ?? new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      const requested = [...oidc.requestParamOIDCScopes].join(' ');
      if (requested) grant.addOIDCScope(requested);
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
  };
  // The in-memory adapter is the point of this baseline: drop oidc-provider's warning about it.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('in-memory adapter')) warn(...args);
  };
  let provider: Provider;
  try {
    provider = new Provider(setup.issuer, configuration);
  } finally {
    console.warn = warn;
  }
  // Behind the same forwarded https as our server (TRUST_PROXY).
  provider.proxy = true;
  // Only where logins are measured: the endpoints' baseline runs no middleware of its own.
  if (setup.logins.length) provider.use(loginInteraction(provider, setup));
  const server: Server = provider.listen(setup.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });

  // Tokens as logins would have issued them, put straight into the provider's storage.
  const client = await provider.Client.find(setup.client.client_id);
  if (!client) throw new Error('bare provider: client not found');
  const tokens: TokenPair[] = [];
  for (let i = 0; i < setup.tokens; i += 1) {
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope(setup.offlineScope);
    const grantId = await grant.save();
    const authTime = Math.floor(Date.now() / 1000);
    const accessToken = await new provider.AccessToken({ client, accountId, grantId, scope: setup.loginScope, gty: 'authorization_code' }).save();
    const refreshToken = await new provider.RefreshToken({
      client, accountId, grantId, scope: setup.offlineScope, gty: 'authorization_code', authTime, acr: setup.acrValues.at(-1), amr: ['pwd'],
    }).save();
    tokens.push({ accessToken, refreshToken });
  }
  process.send?.({ type: 'ready', tokens } satisfies FromBareProvider);
}

/**
 * GET /interaction/:uid shows a form (field names as ours, so the load generator's login fills it);
 * POST /interaction/:uid/login verifies both passwords at once and finishes the interaction. Every
 * user id in `logins` answers as the one account whose claims the benchmark gave.
 */
function loginInteraction(provider: Provider, setup: BareProviderSetup) {
  const accountId = String(setup.claims.sub);
  const users = new Map(setup.logins.map((login) => [login.userId, login]));
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    const path = /^\/interaction\/([\w-]+)(\/login)?$/.exec(ctx.path);
    if (!path) return next();
    if (ctx.method === 'GET' && !path[2]) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      ctx.type = 'html';
      ctx.body = `<!doctype html><form method="post" action="/interaction/${details.uid}/login"><input name="user_id">`
        + '<input type="password" name="password"><input type="password" name="second_password"><button>ログイン</button></form>';
      return;
    }
    if (ctx.method !== 'POST' || !path[2]) return next();
    let raw = '';
    for await (const chunk of ctx.req) raw += String(chunk);
    const form = new URLSearchParams(raw);
    const user = users.get(form.get('user_id') ?? '');
    const [password, secondPassword] = user
      ? await Promise.all([verify(user.passwordHash, form.get('password') ?? ''), verify(user.secondPasswordHash, form.get('second_password') ?? '')])
      : [false, false];
    if (!password || !secondPassword) {
      ctx.status = 401;
      ctx.body = 'wrong password';
      return;
    }
    const url = await provider.interactionResult(ctx.req, ctx.res, {
      login: { accountId, acr: setup.acrValues.at(-1), amr: ['pwd'] },
    }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(url);
  };
}

// Never outlive the benchmark that started it; exit (rather than die) on its SIGTERM, so that a
// --cpu-prof given through BENCH_BARE_NODE_ARGS is written.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
main(JSON.parse(process.env.BARE_PROVIDER ?? '{}') as BareProviderSetup).catch((error: unknown) => {
  process.send?.({ type: 'failed', message: (error as Error).stack ?? String(error) } satisfies FromBareProvider);
  process.exit(1);
});
