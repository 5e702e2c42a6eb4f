import type { Context } from 'koa';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import { pendingSetup, setupComplete } from '../accounts/account-store.js';
import type { AccountRow } from '../db/entities.js';
import { sessionTtlSeconds } from '../oidc/provider.js';
import type { Services } from '../services.js';

// The account pages ride on the provider's own session (the one a login through /auth creates), so
// the menu, the graduates' self-service and the relying parties share one sign-in.

export type ProviderSession = Awaited<ReturnType<Provider['Session']['get']>>;
export interface SignedIn { account: AccountRow; session: ProviderSession }

/**
 * The user of the provider's session, when the sign-in is complete (first-login steps done) and the
 * account usable; otherwise undefined. Using an account page is activity: it slides the session's
 * idle timeout as the authorization endpoint does.
 */
export async function signedInUser(ctx: Context, deps: { services: Pick<Services, 'accounts' | 'config'>; provider: Provider }): Promise<SignedIn | undefined> {
  const { services, provider } = deps;
  const session = await provider.Session.get(ctx as unknown as KoaContextWithOIDC);
  if (!session.accountId) return undefined;
  const account = await services.accounts.findById(session.accountId);
  if (!account || account.locked) return undefined;
  if (!setupComplete(pendingSetup(account, services.config.graduates?.terms.version))) return undefined;
  await session.save(sessionTtlSeconds(services.config.lifetimes, session.loginTs));
  return { account, session };
}
