import type { Context } from 'koa';
import { Provider, errors, interactionPolicy, type Configuration, type KoaContextWithOIDC, type ClientMetadata } from 'oidc-provider';
import { pendingSetup, type PendingSetup } from '../accounts/account-store.js';
import type { AppConfig, ClientConfig } from '../config/types.js';
import { ConfigError } from '../config/errors.js';
import type { Services } from '../services.js';
import { logDatabaseOutage, isDatabaseOutage, RETRY_AFTER_SECONDS } from '../ops/database-outage.js';
import { CookieSigner } from '../web/cookie-signer.js';
import { renderDatabaseOutage } from '../web/errors.js';
import { pageOf, render } from '../web/render.js';
import { adapterFactory, takeReadAhead } from './adapter.js';
import { accountClaims, scopeClaims } from './claims.js';
import { providerFetch } from './outgoing-requests.js';
import type { KeyMaterial } from './keys.js';
import type { AccountRow } from '../db/entities.js';
import { logger } from '../logger.js';

export const ACR = {
  /** The university password alone (only while the first-login steps are under way). */
  password: 'urn:cert-idp:acr:password',
  /** University ID and password (or email and password) plus the second password. */
  twoPasswords: 'urn:cert-idp:acr:two-passwords',
} as const;

export const PROMPT = {
  emailRegistration: 'email_registration',
  secondPassword: 'second_password',
  passwordSetup: 'password_setup',
  terms: 'terms',
} as const;

/** The product's own client for the account menu: it only establishes a session (response_type none). */
export const ACCOUNT_CLIENT_ID = 'cert-idp-account';

function setupOf(ctx: KoaContextWithOIDC): PendingSetup | undefined {
  return (ctx.oidc.account as { setup?: PendingSetup } | undefined)?.setup;
}

/**
 * The first-login steps are prompts after `login`: their checks run on every authorization
 * request and every resume, so no step can be skipped by editing a URL, and a login that
 * stopped half-way resumes at the missing step.
 */
function buildPolicy() {
  const { base, Prompt, Check } = interactionPolicy;
  const policy = base();
  policy.add(new Prompt(
    { name: PROMPT.emailRegistration, requestable: false },
    new Check('email_missing', 'a verified email address is required', (ctx) => setupOf(ctx)?.needsEmail ?? false),
  ), 1);
  policy.add(new Prompt(
    { name: PROMPT.secondPassword, requestable: false },
    new Check('second_password_missing', 'a second password must be set', (ctx) => setupOf(ctx)?.needsSecondPassword ?? false),
  ), 2);
  policy.add(new Prompt(
    { name: PROMPT.passwordSetup, requestable: false },
    new Check('initial_password', 'the initial password must be replaced and a second password set', (ctx) => setupOf(ctx)?.needsPasswordSetup ?? false),
  ), 3);
  policy.add(new Prompt(
    { name: PROMPT.terms, requestable: false },
    new Check('terms_not_accepted', 'the current terms of use must be accepted', (ctx) => setupOf(ctx)?.needsTerms ?? false),
  ), 4);
  return policy;
}

function clientMetadata(client: ClientConfig): ClientMetadata {
  // initiate_login_uri is ours (the account menu and the approval mail link to it); the provider
  // would insist on https for it, which a development client on localhost cannot have.
  const { first_party: _firstParty, may_introspect: _mayIntrospect, client_secret_env: _env, initiate_login_uri: _login, ...metadata } = client;
  return { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], ...metadata };
}

/**
 * Loads every configured client once at start-up, so a client the provider refuses stops the start
 * with a message naming it (instead of an error page at the first login).
 */
export async function checkClients(provider: Provider, config: AppConfig): Promise<void> {
  for (const [index, client] of config.clients.entries()) {
    try {
      await provider.Client.find(client.client_id);
    } catch (error) {
      const detail = (error as { error_description?: string }).error_description ?? (error as Error).message;
      throw new ConfigError(`clients[${index}] (${client.client_id}): ${detail}`);
    }
  }
}

/**
 * A client authenticates by the method it registered and no other (OpenID Connect Core §9, RFC 7591
 * §2). oidc-provider takes a client secret from the Authorization header and from the body alike,
 * whichever of client_secret_basic and client_secret_post the client registered; every check of a
 * secret passes here (token, refresh, revocation, introspection), so the other way of sending it is
 * refused as invalid_client before the secret is compared.
 */
function enforceRegisteredSecretMethod(provider: Provider): void {
  const prototype = provider.Client.prototype;
  const compare = prototype.compareClientSecret;
  prototype.compareClientSecret = function compareClientSecret(this: InstanceType<Provider['Client']>, actual: string) {
    const sentInHeader = Provider.ctx?.headers.authorization !== undefined;
    if (sentInHeader !== (this.clientAuthMethod === 'client_secret_basic')) {
      throw new errors.InvalidClientAuth(`the client is registered with ${this.clientAuthMethod}`);
    }
    return compare.call(this, actual);
  };
}

/**
 * A database outage met by one of the provider's endpoints: 503 with Retry-After in its JSON error
 * shape. oidc-provider emits `server_error` right after setting its `{ error: 'server_error' }` body;
 * an HTML answer is renderError's (the authorization endpoint emits first, then always renders).
 */
function answerOutageAsJson(ctx: KoaContextWithOIDC, error: Error): void {
  const body = ctx.body as { error?: unknown } | undefined;
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body) || body.error !== 'server_error') return;
  answerDatabaseOutage(ctx as unknown as Context, error);
}

/** 503 with Retry-After in the provider's JSON error shape. */
export function answerDatabaseOutage(ctx: Context, error: unknown): void {
  logDatabaseOutage(error);
  ctx.status = 503;
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  ctx.body = { error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable; try again shortly' };
}

function accountConsoleClient(issuer: string): ClientMetadata {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'Account menu',
    token_endpoint_auth_method: 'none',
    response_types: ['none'],
    grant_types: [],
    redirect_uris: [`${issuer}/account/callback`],
    post_logout_redirect_uris: [`${issuer}/account/logged-out`],
  };
}

/** Idle timeout that slides with use, capped by the absolute lifetime since login. */
export function sessionTtlSeconds(lifetimes: AppConfig['lifetimes'], loginTs: number | undefined, now = Date.now()): number {
  const idle = lifetimes.sessionIdleMinutes * 60;
  if (!loginTs) return idle;
  const remaining = loginTs + lifetimes.sessionAbsoluteHours * 3600 - Math.floor(now / 1000);
  return Math.max(1, Math.min(idle, remaining));
}

export function firstPartyClientIds(config: AppConfig): Set<string> {
  return new Set([ACCOUNT_CLIENT_ID, ...config.clients.filter((c) => c.first_party).map((c) => c.client_id)]);
}

export function createProvider(services: Services, keys: KeyMaterial): Provider {
  const { config, accounts } = services;
  /** Per request (the provider's context), the account rows read so far: gone with the request. */
  const accountsRead = new WeakMap<object, Map<string, Promise<AccountRow | null>>>();
  const lifetimes = config.lifetimes;
  const firstParty = firstPartyClientIds(config);
  const mayIntrospect = new Set(config.clients.filter((c) => c.may_introspect).map((c) => c.client_id));
  const secure = config.issuer.startsWith('https://');

  const configuration: Configuration = {
    adapter: adapterFactory(services.database, { accounts: accounts.columns }),
    clients: [...config.clients.map(clientMetadata), accountConsoleClient(config.issuer)],
    // Back-channel logouts and client keys reach the configured URLs, private addresses included.
    fetch: providerFetch(config.clients),
    jwks: keys.jwks as Configuration['jwks'],
    cookies: {
      // Keygrip's signatures, checked faster (src/web/cookie-signer.ts); the same keys as the outer app's.
      keys: new CookieSigner(keys.cookieKeys),
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure },
    },
    async findAccount(ctx, id) {
      // The provider asks several times within one request (session, checks, claims): one read each.
      let read = accountsRead.get(ctx);
      if (!read) accountsRead.set(ctx, read = new Map());
      let found = read.get(id);
      if (!found) {
        // Read beside the token this request presented, if it did (src/oidc/adapter.ts).
        const ahead = takeReadAhead<AccountRow | null>(`Account:${id}`);
        read.set(id, found = ahead.found ? Promise.resolve(ahead.value) : accounts.findById(id));
      }
      const account = await found;
      // A locked account (staff decision) gets nothing, not even from an existing session.
      if (!account || account.locked) return undefined;
      return {
        accountId: account.id,
        setup: pendingSetup(account, config.graduates?.terms.version),
        claims: () => accountClaims(account) as { sub: string },
      };
    },
    claims: scopeClaims as unknown as Configuration['claims'],
    scopes: ['openid', 'offline_access', 'email', 'profile', 'enrollment'],
    acrValues: [ACR.password, ACR.twoPasswords],
    responseTypes: ['code', 'none'],
    extraParams: {
      login_type(_ctx: unknown, value: unknown) {
        if (value !== undefined && value !== 'student' && value !== 'graduate') {
          throw new errors.InvalidRequest('login_type must be "student" or "graduate"');
        }
      },
    } as unknown as Configuration['extraParams'],
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    // Refresh-token rotation (RFC 9700 §4.14.2): a public client's refresh token is replaced at every
    // use; a confidential client's, already bound to its secret, once 70 % of its lifetime has passed
    // (replacing it at every use would make a relying party that refreshes from several workers at once
    // revoke its own grant). A replaced token presented again revokes every token of the grant.
    rotateRefreshToken(ctx) {
      const { Client: client, RefreshToken: token } = ctx.oidc.entities;
      return client?.clientAuthMethod === 'none' || (token?.ttlPercentagePassed() ?? 100) >= 70;
    },
    interactions: {
      policy: buildPolicy(),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    // Set explicitly, as the defaults behave, so that no client's request makes the provider print its
    // "change this default" notices outside the JSON log.
    clientBasedCORS: (ctx, origin, client) => origin !== 'null' && (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none')
      && client.redirectUris!.some((uri) => URL.parse(uri)?.origin === origin),
    features: {
      devInteractions: { enabled: false },
      // No resource server is registered: a `resource` parameter names none (invalid_target).
      resourceIndicators: { enabled: true, getResourceServerInfo: async () => { throw new errors.InvalidTarget(); } },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        // Only clients configured with may_introspect (resource servers) may introspect.
        allowedPolicy: async (_ctx, client) => mayIntrospect.has(client.clientId),
      },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          render(ctx as unknown as Context, 'logout/confirm', { title: pageOf(ctx as unknown as Context).t('logout.title'), providerForm: form });
        },
        postLogoutSuccessSource: async (ctx) => {
          const { t } = pageOf(ctx as unknown as Context);
          render(ctx as unknown as Context, 'message', { title: t('logout.title'), paragraphs: [t('logout.done'), t('logout.close_browser')], tone: 'info' });
        },
      },
    },
    // First-party clients get their grant without a consent screen (oidc-provider #777).
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      if (!oidc.session?.accountId || !oidc.client) return undefined;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (!firstParty.has(oidc.client.clientId)) return existing;
      const grant = existing ?? new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      const requested = [...oidc.requestParamOIDCScopes].join(' ');
      if (requested) grant.addOIDCScope(requested);
      await grant.save();
      return grant;
    },
    ttl: {
      AccessToken: lifetimes.accessTokenSeconds,
      AuthorizationCode: lifetimes.authorizationCodeSeconds,
      IdToken: lifetimes.idTokenSeconds,
      RefreshToken: lifetimes.refreshTokenDays * 86400,
      Grant: lifetimes.refreshTokenDays * 86400,
      Interaction: lifetimes.interactionMinutes * 60,
      ClientCredentials: 600,
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
      PreAuthorizedCode: 600,
      Session: (_ctx, session) => sessionTtlSeconds(lifetimes, session.loginTs),
    },
    async renderError(ctx, out, error) {
      // A database outage is no bug of the request: 503 with Retry-After.
      if (isDatabaseOutage(error)) return renderDatabaseOutage(ctx as unknown as Context, error);
      const { t } = pageOf(ctx as unknown as Context);
      render(ctx as unknown as Context, 'message', {
        title: t('error.title'),
        paragraphs: [t('error.oidc')],
        detail: out.error,
        tone: 'error',
      }, ctx.status >= 400 ? ctx.status : 400);
    },
  };

  const provider = new Provider(config.issuer, configuration);
  enforceRegisteredSecretMethod(provider);
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.session?.accountId;
    if (accountId) void services.audit.record('logout', { accountId, ip: ctx.ip }).catch(() => undefined);
  });
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
    if (isDatabaseOutage(error)) {
      answerOutageAsJson(ctx, error);
      return;
    }
    logger.error({ err: { name: error.name, message: error.message, stack: error.stack } }, 'provider server_error');
  });
  provider.on('backchannel.error', (ctx: KoaContextWithOIDC | undefined, error: Error, client: { clientId: string }, accountId: string, sid: string | undefined) => {
    logger.warn({ client: client.clientId, err: error.message }, 'back-channel logout failed');
    // The provider's own logout (end_session) sends once; ours (no request) are queued already.
    if (ctx) {
      void services.signIns.retryLater(client.clientId, accountId, sid)
        .catch((failure: unknown) => { logger.error({ client: client.clientId, err: (failure as Error | undefined)?.name ?? 'unknown' }, 'back-channel logout not queued for a retry'); });
    }
  });
  return provider;
}
