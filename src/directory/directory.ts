import type { Enrollment, PersonName } from '../db/entities.js';

/** Who the university directory says a student is. */
export interface DirectoryPerson {
  /** The university user ID (ユーザID), as the directory spells it. */
  userId: string;
  name: PersonName;
  nameKana?: PersonName;
  nameLatin?: PersonName;
  enrollments: Enrollment[];
}

/**
 * `invalid` covers a wrong password, an unknown user and a student who is not enrolled: the login
 * page says the same for all of them. `unavailable` means the directory could not be asked; it is
 * never counted as a wrong password.
 */
export type DirectoryAnswer =
  | { outcome: 'ok'; person: DirectoryPerson }
  | { outcome: 'invalid'; reason?: InvalidReason }
  | { outcome: 'unavailable' };

/** Why an answer was `invalid`: for the audit log only, never for the page. */
export type InvalidReason = 'credentials' | 'not_found' | 'not_enrolled' | 'ambiguous' | 'incomplete';

/**
 * "Check these university credentials and tell me who this is." Adapters that see the password
 * (file, LDAP) implement this; a redirect-based SSO (upstream OpenID Connect) implements
 * RedirectDirectory instead, and its login page offers the SSO button instead of the password fields.
 */
export interface PasswordDirectory {
  readonly kind: 'password';
  verify(userId: string, password: string): Promise<DirectoryAnswer>;
  close?(): Promise<void>;
}

/** The values that bind an upstream authorization response to the request that asked for it. */
export interface FederationChecks {
  /** OIDC state, SAML RelayState. */
  state: string;
  /** OIDC nonce; SAML: the AuthnRequest's ID (the response's InResponseTo) is made from it. */
  nonce: string;
  /** OIDC PKCE verifier (unused by SAML). */
  codeVerifier: string;
  /**
   * Set when the sign-in must be fresh (a re-authentication): the epoch second at which it was sent
   * to the IdP. The IdP's own authentication must not be older, or the answer is refused.
   */
  freshLoginSince?: number;
}

/** How a sign-in at the IdP starts (the same for every redirect-based adapter). */
export interface FederatedLoginStart {
  uiLocales?: string;
  /**
   * A re-authentication: the IdP must ask for the user's credentials again, whatever session it
   * holds (OpenID Connect: prompt=login and max_age=0; SAML: ForceAuthn).
   */
  forceFreshLogin?: boolean;
}

/**
 * How far the IdP's clock may run behind ours when its authentication time is compared with the
 * moment a fresh sign-in was asked for.
 */
export const FRESH_LOGIN_CLOCK_SKEW_SECONDS = 60;

/** Whether an authentication at `authenticatedAt` (epoch seconds, the IdP's clock) is a fresh one. */
export function freshEnough(authenticatedAt: unknown, since: number): boolean {
  return typeof authenticatedAt === 'number' && Number.isFinite(authenticatedAt) && authenticatedAt >= since - FRESH_LOGIN_CLOCK_SKEW_SECONDS;
}

/**
 * What an upstream sign-in came to: `denied` when the user (or the IdP) declined, `failed` when the
 * response could not be trusted (wrong state, invalid token, malformed answer); `reason` is for the
 * audit log.
 */
export type FederationAnswer =
  | DirectoryAnswer
  | { outcome: 'denied'; reason: string }
  | { outcome: 'failed'; reason: string };

/**
 * A redirect-based SSO (the university's OpenID Connect IdP): the student signs in there, never
 * here, so the university password is never seen (and cannot be compared with a new second password).
 */
export interface RedirectDirectory {
  readonly kind: 'redirect';
  /** The IdP's protocol: OpenID Connect (code flow) or SAML 2.0 (Web Browser SSO). */
  readonly protocol: 'oidc' | 'saml';
  /** The callback registered at the upstream IdP; the routes forward it under the interaction's path. */
  readonly redirectUri: string;
  /**
   * Where to send the browser (OIDC: code flow with PKCE, state and nonce; SAML: an AuthnRequest whose
   * ID comes from the nonce, with the state as RelayState).
   */
  authorizationUrl(checks: FederationChecks, options?: FederatedLoginStart): Promise<{ outcome: 'ok'; url: string } | { outcome: 'unavailable' }>;
  /**
   * Reads the callback's parameters, redeems the code and returns who signed in upstream; with
   * `checks.freshLoginSince`, an authentication older than that (or of unknown age) is `failed`.
   */
  handleCallback(params: URLSearchParams, checks: FederationChecks): Promise<FederationAnswer>;
  close?(): Promise<void>;
}

export type UniversityDirectory = PasswordDirectory | RedirectDirectory;
