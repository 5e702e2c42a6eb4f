import type Provider from 'oidc-provider';
import type { Database } from '../db/data-source.js';
import { logger } from '../logger.js';
import { endEverySignInOf, type EndedAuthorization } from './adapter.js';

/** What oidc-provider's Client offers for back-channel logout (its own end_session uses the same method). */
interface LogoutCapableClient {
  clientId: string;
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid?: string): Promise<void>;
}

/**
 * Ending an account's sign-ins everywhere — on every replica (the rows, src/oidc/adapter.ts) and at the
 * relying parties that asked to be told (OpenID Connect Back-Channel Logout 1.0): after a staff lock,
 * "end all sessions", a credential reset or an address moved to another mailbox, a certificate app
 * that still holds its own session for the account is sent a logout token, as when the user logs out.
 */
export class SignIns {
  #provider: Provider | undefined;

  constructor(private readonly database: Database) {}

  /**
   * The provider that signs the logout tokens (src/app.ts attaches it once built). A process without
   * one (the command-line tools) still ends the sign-ins; it has no key to tell anyone with.
   */
  attach(provider: Provider): void {
    this.#provider = provider;
  }

  /**
   * Ends every sign-in of the account, then sends each relying party with a back-channel logout URI
   * that one of the ended sessions had signed in to a logout token for that session, all at once.
   * Waits for the answers (each at most oidc-provider's 2.5 s), like the provider's own logout; a
   * relying party that does not answer is reported through the provider's `backchannel.error` event.
   * Telling them never fails the caller: the sign-ins have ended by then.
   */
  async endEveryOf(accountId: string): Promise<void> {
    const ended = await endEverySignInOf(this.database, accountId);
    const provider = this.#provider;
    if (!provider || !ended.length) return;
    try {
      await Promise.all(
        (await logoutsToSend(provider, ended)).map(({ client, sid }) => client.backchannelLogout(accountId, sid).then(
          () => { provider.emit('backchannel.success', undefined, client, accountId, sid); },
          (error: unknown) => { provider.emit('backchannel.error', undefined, error, client, accountId, sid); },
        )),
      );
    } catch (error) {
      logger.warn({ err: (error as Error | undefined)?.name ?? 'unknown' }, 'back-channel logout not sent');
    }
  }
}

/**
 * One logout per ended session at each client with a back-channel URI (the token carries the
 * session's `sid` when the client registered that it needs it; otherwise each names the account, and
 * the second is a no-op for the relying party).
 */
async function logoutsToSend(provider: Provider, ended: EndedAuthorization[]): Promise<Array<{ client: LogoutCapableClient; sid?: string }>> {
  const clients = new Map<string, LogoutCapableClient | undefined>();
  const sends: Array<{ client: LogoutCapableClient; sid?: string }> = [];
  for (const { clientId, sid } of ended) {
    if (!clients.has(clientId)) clients.set(clientId, await provider.Client.find(clientId) as LogoutCapableClient | undefined);
    const client = clients.get(clientId);
    if (client?.backchannelLogoutUri) sends.push({ client, sid });
  }
  return sends;
}
