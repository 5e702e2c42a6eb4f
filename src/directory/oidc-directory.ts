import * as oidc from 'openid-client';
import type { OidcDirectoryConfig } from '../config/types.js';
import { logger } from '../logger.js';
import { freshEnough, type FederatedLoginStart, type FederationAnswer, type FederationChecks, type RedirectDirectory } from './directory.js';
import { mapPerson } from './mapping.js';

/** The fixed path of the callback registered at the university IdP (see src/students/federation/routes.ts). */
export const FEDERATION_CALLBACK_PATH = '/interaction/sso/callback';

/** A short, log- and audit-safe token of what went wrong (never the upstream's free text). */
function code(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  return /^[A-Za-z0-9_.:-]{1,64}$/.test(text) ? text : 'other';
}

type Failure = { outcome: 'unavailable' } | { outcome: 'denied'; reason: string } | { outcome: 'failed'; reason: string };

/**
 * Sorts an openid-client error: the IdP could not be reached (network, timeout, a 5xx) →
 * unavailable; the user or the IdP declined → denied; anything else (wrong state, a token that does
 * not verify, a malformed answer) → failed.
 */
export function classifyUpstreamError(error: unknown): Failure {
  if (error instanceof oidc.AuthorizationResponseError) {
    if (error.error === 'access_denied' || error.error === 'consent_required' || error.error === 'login_required' || error.error === 'interaction_required') {
      return { outcome: 'denied', reason: code(error.error) };
    }
    if (error.error === 'temporarily_unavailable' || error.error === 'server_error') return { outcome: 'unavailable' };
    return { outcome: 'failed', reason: `authorization_error:${code(error.error)}` };
  }
  if (error instanceof oidc.ResponseBodyError) {
    if (error.status >= 500) return { outcome: 'unavailable' };
    return { outcome: 'failed', reason: `token_error:${code(error.error)}` };
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    if (error.status >= 500) return { outcome: 'unavailable' };
    return { outcome: 'failed', reason: 'www_authenticate_challenge' };
  }
  // fetch() failing: refused, reset, DNS, TLS.
  if (error instanceof TypeError) return { outcome: 'unavailable' };
  if (error instanceof oidc.ClientError) {
    if (error.code === 'OAUTH_TIMEOUT' || error.code === 'OAUTH_ABORT') return { outcome: 'unavailable' };
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Response && cause.status >= 500) return { outcome: 'unavailable' };
    if (cause instanceof TypeError) return { outcome: 'unavailable' };
    return { outcome: 'failed', reason: code(error.code) };
  }
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { outcome: 'unavailable' };
  return { outcome: 'failed', reason: 'unexpected' };
}

/**
 * Federation with the university's OpenID Connect IdP (authorization code flow with PKCE, state
 * and nonce). The IdP's metadata is discovered at the first login, and again after a failure, so
 * that an IdP that is down at start-up does not stop this service.
 */
export class OidcDirectory implements RedirectDirectory {
  readonly kind = 'redirect' as const;
  readonly protocol = 'oidc' as const;
  readonly redirectUri: string;
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly settings: OidcDirectoryConfig,
    private readonly clientSecret: string | undefined,
    private readonly university: string,
    ourIssuer: string,
  ) {
    this.redirectUri = `${ourIssuer}${FEDERATION_CALLBACK_PATH}`;
  }

  private configuration(): Promise<oidc.Configuration> {
    if (!this.discovered) {
      const { issuer, clientId, tokenEndpointAuthMethod, timeoutMs } = this.settings;
      const auth = tokenEndpointAuthMethod === 'client_secret_post'
        ? oidc.ClientSecretPost(this.clientSecret)
        : tokenEndpointAuthMethod === 'client_secret_basic' ? oidc.ClientSecretBasic(this.clientSecret) : oidc.None();
      // The ID token's signature is checked against the IdP's keys too, not only trusted for having
      // come from the token endpoint. http:// is refused in production by the configuration check;
      // elsewhere (tests, demos) it is allowed.
      const execute = [oidc.enableNonRepudiationChecks, ...(issuer.startsWith('http://') ? [oidc.allowInsecureRequests] : [])];
      const pending = oidc.discovery(new URL(issuer), clientId, this.clientSecret ? { client_secret: this.clientSecret } : undefined, auth, {
        timeout: Math.max(1, Math.ceil((timeoutMs ?? 5000) / 1000)),
        execute,
      });
      this.discovered = pending;
      pending.catch(() => {
        if (this.discovered === pending) this.discovered = undefined;
      });
    }
    return this.discovered;
  }

  /** The IdP's configuration, or undefined (logged) when its discovery cannot be read now. */
  private async configurationOrWarn(): Promise<oidc.Configuration | undefined> {
    try {
      return await this.configuration();
    } catch (error) {
      this.warn('discovery', error);
      return undefined;
    }
  }

  async authorizationUrl(checks: FederationChecks, options: FederatedLoginStart = {}): Promise<{ outcome: 'ok'; url: string } | { outcome: 'unavailable' }> {
    const config = await this.configurationOrWarn();
    if (!config) return { outcome: 'unavailable' };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      response_type: 'code',
      scope: this.settings.scope ?? 'openid profile',
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      ...(options.uiLocales ? { ui_locales: options.uiLocales } : {}),
      // A re-authentication: the IdP must not answer from its session (OpenID Connect Core §3.1.2.1).
      ...(options.forceFreshLogin ? { prompt: 'login', max_age: '0' } : {}),
    });
    return { outcome: 'ok', url: url.href };
  }

  async handleCallback(params: URLSearchParams, checks: FederationChecks): Promise<FederationAnswer> {
    const config = await this.configurationOrWarn();
    if (!config) return { outcome: 'unavailable' };
    // The response as it reached the registered redirect URI (the routes forwarded it here).
    const currentUrl = new URL(this.redirectUri);
    for (const [name, value] of params) currentUrl.searchParams.append(name, value);
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) return { outcome: 'failed', reason: 'no_id_token' };
      // An IdP that ignored prompt=login / max_age=0 answered from an older session: not fresh.
      if (checks.freshLoginSince !== undefined && !freshEnough(idToken.auth_time, checks.freshLoginSince)) {
        logger.warn({ directory: 'oidc', stage: 'callback', outcome: 'failed', authTime: idToken.auth_time ?? null, askedAt: checks.freshLoginSince },
          'the university sign-in was asked to be fresh, but the IdP answered with an older authentication; refused');
        return { outcome: 'failed', reason: 'stale_authentication' };
      }
      claims = { ...idToken };
      if (this.settings.userinfo) {
        const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
        claims = { ...claims, ...userinfo };
      }
    } catch (error) {
      const failure = classifyUpstreamError(error);
      this.warn('callback', error, failure);
      return failure;
    }
    const mapped = mapPerson((name) => claimValues(claims, name), this.settings.claims, {
      enrolledValues: this.settings.enrolledValues,
      university: this.university,
    });
    if (mapped.outcome === 'invalid') {
      if (mapped.missing) logger.warn({ directory: 'oidc', missing: mapped.missing }, 'the upstream claims lack a mapped claim; refused');
      return { outcome: 'invalid', reason: mapped.reason };
    }
    return mapped;
  }

  private warn(stage: 'discovery' | 'callback', error: unknown, failure?: Failure): void {
    const e = error as { name?: string; code?: unknown; message?: string };
    logger.warn({
      directory: 'oidc', stage, outcome: failure?.outcome ?? 'unavailable',
      err: { name: e?.name, code: typeof e?.code === 'string' ? e.code : undefined, message: e?.message },
    }, 'the university sign-in could not be completed');
  }
}

/** A claim's values: a string, a number, or an array of them. */
function claimValues(claims: Record<string, unknown>, name: string): string[] {
  const value = claims[name];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
}
