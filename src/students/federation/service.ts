import { createHash, timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import type { AccountRow } from '../../db/entities.js';
import type { FederationChecks, RedirectDirectory } from '../../directory/directory.js';
import { TypeOrmAdapter } from '../../oidc/adapter.js';
import type { Services } from '../../services.js';
import { ipThrottleKey, studentThrottleKey } from '../../credentials/throttle-keys.js';
import { admitAttempt } from '../../credentials/attempts.js';
import { upgradeStoredHashes } from '../../credentials/rehash.js';

// Sign-in through the university's IdP (DESIGN §4), OpenID Connect or SAML 2.0: the student signs in
// there, comes back to this provider, which then asks only for the second password (or runs the
// first-login steps).

/**
 * What a federated login has reached, kept server-side per interaction (the provider's storage,
 * model `FederatedLogin`, keyed by the interaction uid, expiring with the interaction):
 * `redirected` holds the state, nonce and PKCE verifier of the upstream request (and, for SAML, the
 * response the IdP posted to the ACS until the browser brings its interaction cookie); `authenticated`
 * the account the IdP vouched for, until its second password is given.
 */
export type PendingFederation =
  | ({ stage: 'redirected'; samlResponse?: string } & FederationChecks)
  | { stage: 'authenticated'; accountId: string };

export class PendingFederations {
  private readonly store: TypeOrmAdapter;
  private readonly ttlSeconds: number;

  constructor(services: Pick<Services, 'database' | 'config'>) {
    this.store = new TypeOrmAdapter('FederatedLogin', services.database);
    this.ttlSeconds = services.config.lifetimes.interactionMinutes * 60;
  }

  async save(uid: string, pending: PendingFederation): Promise<void> {
    await this.store.upsert(uid, { ...pending } as never, this.ttlSeconds);
  }

  async load(uid: string): Promise<PendingFederation | undefined> {
    const payload = await this.store.find(uid) as unknown as PendingFederation | undefined;
    return payload && (payload.stage === 'redirected' || payload.stage === 'authenticated') ? payload : undefined;
  }

  async drop(uid: string): Promise<void> {
    await this.store.destroy(uid);
  }
}

/**
 * The state sent upstream names the interaction (the fixed callback has no interaction cookie and
 * must know where to forward the response) and carries 256 random bits.
 */
export function stateFor(uid: string): string {
  return `${uid}.${oidc.randomState()}`;
}

export function interactionOfState(state: unknown): string | undefined {
  if (typeof state !== 'string') return undefined;
  return /^([A-Za-z0-9_-]{10,64})\.[A-Za-z0-9_-]{20,128}$/.exec(state)?.[1];
}

function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export type FederationStart = { kind: 'redirect'; url: string } | { kind: 'unavailable' };

/**
 * Whether the login prompt asks for a fresh sign-in: the client (or the account menu's
 * re-authentication) sent prompt=login, or a max_age that the session has outlived or that came with
 * no session (the age of the IdP's own session is unknown). An IdP session must not answer it
 * silently, or "log in again" would be only the second password.
 */
export function mustSignInAfresh(prompt: { name: string; reasons: readonly string[] }): boolean {
  return prompt.name === 'login' && (prompt.reasons.includes('login_prompt') || prompt.reasons.includes('max_age'));
}

/** ログイン with the university SSO: remembers the checks and returns where to send the browser. */
export async function beginFederatedLogin(
  services: Pick<Services, 'database' | 'config' | 'audit'>,
  directory: RedirectDirectory,
  input: { uid: string; lang: string; ip: string; forceFreshLogin: boolean },
): Promise<FederationStart> {
  const checks: FederationChecks = {
    state: stateFor(input.uid), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(),
    ...(input.forceFreshLogin ? { freshLoginSince: Math.floor(Date.now() / 1000) } : {}),
  };
  const pending = new PendingFederations(services);
  await pending.save(input.uid, { stage: 'redirected', ...checks });
  const started = await directory.authorizationUrl(checks, { uiLocales: input.lang, forceFreshLogin: input.forceFreshLogin });
  if (started.outcome === 'unavailable') {
    await pending.drop(input.uid);
    await services.audit.record('login.directory_unavailable', { ip: input.ip, detail: { userType: 'student', directory: directory.protocol, step: 'authorize' } });
    return { kind: 'unavailable' };
  }
  return { kind: 'redirect', url: started.url };
}

export type FederationOutcome =
  /** Signed in upstream; the account has a second password, which is asked next. */
  | { kind: 'second_password' }
  /** Signed in upstream; no second password yet, so the first-login steps follow. */
  | { kind: 'login'; account: AccountRow }
  | { kind: 'not_eligible' }
  | { kind: 'denied' }
  /** A response that cannot be trusted: 400 when it does not match this login, 502 when the IdP's answer is broken. */
  | { kind: 'failed'; status: 400 | 502 }
  | { kind: 'unavailable' };

/**
 * The IdP's answer, forwarded under the interaction's path. The pending checks are used once,
 * whatever the outcome, so a replayed or forged response finds nothing to match.
 */
export async function completeFederatedLogin(
  services: Pick<Services, 'database' | 'config' | 'audit' | 'accounts'>,
  directory: RedirectDirectory,
  input: { uid: string; params: URLSearchParams; ip: string },
): Promise<FederationOutcome> {
  const { audit, accounts } = services;
  const pendingStore = new PendingFederations(services);
  const pending = await pendingStore.load(input.uid);
  const fail = async (reason: string, outcome: FederationOutcome): Promise<FederationOutcome> => {
    await audit.record('login.failure', { ip: input.ip, detail: { userType: 'student', reason: outcome.kind === 'denied' ? 'upstream_denied' : 'upstream_error', upstream: reason } });
    return outcome;
  };
  if (!pending || pending.stage !== 'redirected') return fail('no_pending_request', { kind: 'failed', status: 400 });
  await pendingStore.drop(input.uid);
  const state = input.params.get('state');
  if (!state || !sameSecret(state, pending.state)) return fail('state_mismatch', { kind: 'failed', status: 400 });
  // SAML: the response is the one the ACS kept for this login, never one from the query.
  const params = new URLSearchParams(input.params);
  params.delete('SAMLResponse');
  if (pending.samlResponse) params.set('SAMLResponse', pending.samlResponse);

  const answer = await directory.handleCallback(params, pending);
  switch (answer.outcome) {
    case 'unavailable':
      await audit.record('login.directory_unavailable', { ip: input.ip, detail: { userType: 'student', directory: directory.protocol, step: 'callback' } });
      return { kind: 'unavailable' };
    case 'denied':
      return fail(answer.reason, { kind: 'denied' });
    case 'failed':
      return fail(answer.reason, { kind: 'failed', status: 502 });
    case 'invalid':
      await audit.record('login.failure', { ip: input.ip, detail: { userType: 'student', reason: 'directory', directoryReason: answer.reason, federated: true } });
      return { kind: 'not_eligible' };
    case 'ok':
      break;
  }
  const account = await accounts.upsertStudent(answer.person);
  if (account.secondPasswordHash) {
    await pendingStore.save(input.uid, { stage: 'authenticated', accountId: account.id });
    return { kind: 'second_password' };
  }
  await audit.record('login.success', { accountId: account.id, ip: input.ip, detail: { userType: 'student', federated: true, complete: false } });
  return { kind: 'login', account };
}

export type SamlPostOutcome = { kind: 'forward'; uid: string; state: string } | { kind: 'failed' };

/**
 * The SAML response posted to the ACS by the IdP. That cross-site POST carries none of the
 * interaction's (SameSite) cookies, so the response is only kept with the login its RelayState names
 * and matches, and the browser is sent on under the interaction's path, where its cookie proves it is
 * the browser that started the login; the response is checked there (completeFederatedLogin).
 */
export async function acceptSamlPost(
  services: Pick<Services, 'database' | 'config' | 'audit'>,
  input: { relayState: unknown; samlResponse: unknown; ip: string },
): Promise<SamlPostOutcome> {
  const fail = async (reason: string): Promise<SamlPostOutcome> => {
    await services.audit.record('login.failure', { ip: input.ip, detail: { userType: 'student', reason: 'upstream_error', upstream: reason } });
    return { kind: 'failed' };
  };
  const uid = interactionOfState(input.relayState);
  if (!uid) return fail('unknown_state');
  const state = input.relayState as string;
  const pendingStore = new PendingFederations(services);
  const pending = await pendingStore.load(uid);
  if (!pending || pending.stage !== 'redirected' || pending.samlResponse) return fail('no_pending_request');
  if (!sameSecret(state, pending.state)) return fail('state_mismatch');
  if (typeof input.samlResponse !== 'string' || !/^[A-Za-z0-9+/=\s]{1,400000}$/.test(input.samlResponse)) return fail('no_response');
  await pendingStore.save(uid, { ...pending, samlResponse: input.samlResponse });
  return { kind: 'forward', uid, state };
}

/** Whether this interaction has a student the IdP vouched for, waiting for the second password. */
export async function awaitingSecondPassword(services: Pick<Services, 'database' | 'config'>, uid: string): Promise<boolean> {
  return (await new PendingFederations(services).load(uid))?.stage === 'authenticated';
}

export type FederatedSecondPassword =
  | { kind: 'ok'; account: AccountRow }
  | { kind: 'invalid' }
  /** Nothing waits for a second password in this interaction (start again with the SSO button). */
  | { kind: 'restart' };

/**
 * The second password after the upstream sign-in. A wrong value counts against the account and
 * the client IP exactly like a wrong login (admit → lockExhausted / reset + release).
 */
export async function verifyFederatedSecondPassword(
  services: Pick<Services, 'database' | 'config' | 'audit' | 'accounts' | 'throttle' | 'hasher'>,
  input: { uid: string; secondPassword: string; ip: string },
): Promise<FederatedSecondPassword> {
  const { throttle, audit, hasher, accounts, config } = services;
  const pendingStore = new PendingFederations(services);
  const pending = await pendingStore.load(input.uid);
  if (pending?.stage !== 'authenticated') return { kind: 'restart' };
  const account = await accounts.findById(pending.accountId);
  if (!account?.directoryId || !account.secondPasswordHash) {
    await pendingStore.drop(input.uid);
    return { kind: 'restart' };
  }
  const keys = [
    studentThrottleKey(config, account.directoryId),
    ipThrottleKey(config, input.ip),
  ];
  if (!(await admitAttempt(services, keys, [input.secondPassword]))) {
    await audit.record('login.locked', { accountId: account.id, ip: input.ip, detail: { userType: 'student', federated: true } });
    return { kind: 'invalid' };
  }
  if (!(await hasher.verify(account.secondPasswordHash, input.secondPassword))) {
    const locked = await throttle.lockExhausted(keys);
    await audit.record('login.failure', { accountId: account.id, ip: input.ip, detail: { userType: 'student', reason: 'second_password', federated: true } });
    if (locked.length) await audit.record('login.locked', { accountId: account.id, ip: input.ip, detail: { userType: 'student', federated: true, lockedNow: true } });
    return { kind: 'invalid' };
  }
  await throttle.succeeded(keys[0]!, keys[1]!);
  await pendingStore.drop(input.uid);
  await upgradeStoredHashes(services, account, { secondPassword: input.secondPassword });
  await audit.record('login.success', { accountId: account.id, ip: input.ip, detail: { userType: 'student', federated: true, complete: true } });
  return { kind: 'ok', account };
}
