import type { AdapterPayload } from 'oidc-provider';
import { TypeOrmAdapter } from '../oidc/adapter.js';
import type { Services } from '../services.js';

// Re-authentication before sensitive changes (email, password, second password, personal data):
// when the sign-in is older than account.reauthenticateAfterMinutes, /account/confirm asks for the
// password again. The confirmation is kept server-side, in the provider's storage table under its own
// model keyed by the session's uid (so every replica sees it, it expires by itself, and the browser
// holds nothing but the session cookie it already had).

export const DEFAULT_REAUTHENTICATE_MINUTES = 15;
const MODEL = 'AccountConfirmation';

interface SessionLike { uid: string; accountId?: string; loginTs?: number }

type ReauthDeps = Pick<Services, 'config' | 'database'>;

function maxAgeSeconds(services: Pick<Services, 'config'>): number {
  return (services.config.account?.reauthenticateAfterMinutes ?? DEFAULT_REAUTHENTICATE_MINUTES) * 60;
}

/** True when the session signed in, or confirmed its password, within the configured age. */
export async function recentlyAuthenticated(services: ReauthDeps, session: SessionLike, now = Date.now()): Promise<boolean> {
  const limit = maxAgeSeconds(services);
  const seconds = Math.floor(now / 1000);
  if (session.loginTs && seconds - session.loginTs < limit) return true;
  const stored = await new TypeOrmAdapter(MODEL, services.database).find(session.uid);
  return Boolean(stored && session.accountId && stored.accountId === session.accountId
    && typeof stored.confirmedAt === 'number' && seconds - stored.confirmedAt < limit);
}

/** Records that the session's user just typed their password again. */
export async function recordConfirmation(services: ReauthDeps, session: SessionLike): Promise<void> {
  const payload = { accountId: session.accountId, confirmedAt: Math.floor(Date.now() / 1000) } as AdapterPayload;
  await new TypeOrmAdapter(MODEL, services.database).upsert(session.uid, payload, maxAgeSeconds(services));
}

/** Only same-site account pages are returned to (never another host, never the confirmation itself). */
export function safeReturn(value: unknown): string {
  return typeof value === 'string' && /^\/account(\/[A-Za-z0-9_-]+)*$/.test(value) && !value.startsWith('/account/confirm')
    ? value
    : '/account';
}

export function confirmationPath(returnTo: string): string {
  return `/account/confirm?return=${encodeURIComponent(safeReturn(returnTo))}`;
}

/**
 * For a sensitive account page: undefined when the sign-in (or a password typed again) is recent
 * enough, otherwise the confirmation page to send the browser to (it comes back to `returnTo`).
 */
export async function reauthenticationRedirect(services: ReauthDeps, session: SessionLike, returnTo: string): Promise<string | undefined> {
  return (await recentlyAuthenticated(services, session)) ? undefined : confirmationPath(returnTo);
}
