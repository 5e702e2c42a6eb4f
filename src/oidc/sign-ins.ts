import { randomUUID } from 'node:crypto';
import type Provider from 'oidc-provider';
import { IsNull, LessThan, LessThanOrEqual, Or, type EntityManager, type Repository } from 'typeorm';
import type { Database } from '../db/data-source.js';
import type { BackchannelLogoutRow } from '../db/entities.js';
import { logger } from '../logger.js';
import { PollingLoop, retryDelaySeconds } from '../ops/polling-loop.js';
import { endEverySignInOf, type EndedAuthorization } from './adapter.js';

/** What oidc-provider's Client offers for back-channel logout (its own end_session uses the same method). */
interface LogoutCapableClient {
  clientId: string;
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid?: string): Promise<void>;
}

/** What a delivery attempt came to: taken, to be tried again, or given up after MAX_ATTEMPTS. */
export type LogoutDeliveryResult = 'sent' | 'retry' | 'abandoned';

/**
 * Attempts per logout: the waits between them (30 s, 1 min, 2 min … capped at one hour) add up to
 * about five hours, longer than a relying party's restart or most network outages.
 */
export const MAX_LOGOUT_ATTEMPTS = 12;
/** How long a replica holds a logout it is sending before another may take it (a crashed sender's). */
const CLAIM_SECONDS = 60;
const POLL_SECONDS = 15;

/**
 * Ending an account's sign-ins everywhere — on every replica (the rows, src/oidc/adapter.ts) and at the
 * relying parties that asked to be told (OpenID Connect Back-Channel Logout 1.0): after a staff lock,
 * "end all sessions", a credential reset or an address moved to another mailbox, a certificate app
 * that still holds its own session for the account is sent a logout token, as when the user logs out.
 *
 * No logout is lost to a relying party that is down for a while: each one to send is written to
 * `backchannel_logouts` in the transaction that ends the sign-ins, sent at once, and removed once the
 * relying party took it (200 or 204); one it did not take is sent again later (with a new token), by
 * whichever replica gets to it first, until MAX_LOGOUT_ATTEMPTS. A logout the provider itself could not
 * deliver (a user's logout, its end_session) is handed to retryLater() and goes the same way.
 */
export class SignIns {
  #provider: Provider | undefined;
  readonly #rows: Repository<BackchannelLogoutRow>;
  readonly #loop: PollingLoop;
  /** The clients configured with a back-channel logout URI: the only ones a logout is written for. */
  readonly #logoutClients: ReadonlySet<string>;
  /** Told the result of every delivery attempt (metrics). */
  observer: ((result: LogoutDeliveryResult) => void) | undefined;

  constructor(private readonly database: Database, logoutClients: Iterable<string>) {
    this.#rows = database.dataSource.getRepository(database.entities.BackchannelLogout);
    this.#logoutClients = new Set(logoutClients);
    this.#loop = new PollingLoop(() => this.processDue(), POLL_SECONDS * 1000, (error) => {
      logger.error({ err: (error as Error | undefined)?.name ?? 'unknown' }, 'back-channel logout pass failed');
    });
  }

  /**
   * The provider that signs the logout tokens (src/app.ts attaches it once built). A process without
   * one (the command-line tools) still ends the sign-ins and writes the logouts; a server sends them.
   */
  attach(provider: Provider): void {
    this.#provider = provider;
  }

  /** Sends the logouts that are due now and then (src/server.ts, once the provider is attached). */
  start(): void {
    this.#loop.start();
  }

  /** Stops sending; a logout being sent is finished, the rest wait for the next start or another replica. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /**
   * Ends every sign-in of the account and, in the same transaction, writes one logout per ended
   * session for each relying party with a back-channel logout URI that the session had signed in to;
   * then sends them, all at once, and waits for the answers (each at most oidc-provider's 2.5 s), like
   * the provider's own logout. Telling them never fails the caller: the sign-ins have ended by then,
   * and what was not taken is sent again later.
   */
  async endEveryOf(accountId: string): Promise<void> {
    const claimedUntil = new Date(Date.now() + CLAIM_SECONDS * 1000);
    const queued = await endEverySignInOf(this.database, accountId, (manager, ended) => this.#write(manager, accountId, ended, claimedUntil));
    if (!queued.length) return;
    try {
      await Promise.all(queued.map((row) => this.#deliver(row)));
    } catch (error) {
      logger.warn({ err: (error as Error | undefined)?.name ?? 'unknown' }, 'back-channel logout not sent; it stays queued');
    }
  }

  /** A back-channel logout the provider could not deliver (its own end_session): sent again later. */
  async retryLater(clientId: string, accountId: string, sid: string | undefined): Promise<void> {
    const now = new Date();
    await this.#rows.insert({
      id: randomUUID(), clientId, accountId, sid: sid ?? null, attempts: 1,
      nextAttemptAt: new Date(now.getTime() + retryDelaySeconds(1) * 1000), lockedUntil: null, createdAt: now,
    });
  }

  /** Sends the logouts due at `now` (at most 20 a pass) that no other replica is sending; returns how many were taken. */
  async processDue(now = new Date()): Promise<number> {
    if (!this.#provider) return 0;
    const due = await this.#rows.find({
      where: { nextAttemptAt: LessThanOrEqual(now), lockedUntil: Or(IsNull(), LessThan(now)) },
      order: { nextAttemptAt: 'ASC' },
      take: 20,
    });
    let sent = 0;
    for (const row of due) {
      if (this.#loop.stopping) break;
      const lockedUntil = new Date(now.getTime() + CLAIM_SECONDS * 1000);
      const claimed = await this.#rows.update({ id: row.id, lockedUntil: row.lockedUntil === null ? IsNull() : LessThan(now) }, { lockedUntil });
      if (claimed.affected !== 1) continue; // another replica took it
      if (await this.#deliver({ ...row, lockedUntil })) sent += 1;
    }
    return sent;
  }

  /** Logouts written and not yet taken (all replicas), for metrics and tests. */
  pendingCount(): Promise<number> {
    return this.#rows.count();
  }

  async #write(manager: EntityManager, accountId: string, ended: EndedAuthorization[], lockedUntil: Date): Promise<BackchannelLogoutRow[]> {
    const now = new Date();
    const rows = ended.filter(({ clientId }) => this.#logoutClients.has(clientId)).map(({ clientId, sid }): BackchannelLogoutRow => ({
      id: randomUUID(), clientId, accountId, sid: sid ?? null, attempts: 0, nextAttemptAt: now, lockedUntil, createdAt: now,
    }));
    // Copies: TypeORM writes back what it reads after an insert into the objects it was given, and on
    // SQLite it matches several rows' keys to the wrong objects.
    if (rows.length) await manager.getRepository(this.database.entities.BackchannelLogout).insert(rows.map((row) => ({ ...row })));
    return rows;
  }

  /**
   * One attempt at a claimed logout: removed once taken (or once its client no longer has a logout
   * URI), otherwise released for a later attempt, or removed after the last one. True when taken.
   */
  async #deliver(row: BackchannelLogoutRow): Promise<boolean> {
    const provider = this.#provider;
    if (!provider) return false; // written; a server sends it
    const client = await provider.Client.find(row.clientId) as LogoutCapableClient | undefined;
    if (!client?.backchannelLogoutUri) {
      await this.#rows.delete({ id: row.id });
      return false;
    }
    const sid = row.sid ?? undefined;
    try {
      await client.backchannelLogout(row.accountId, sid);
    } catch (error) {
      provider.emit('backchannel.error', undefined, error, client, row.accountId, sid);
      const attempts = row.attempts + 1;
      if (attempts >= MAX_LOGOUT_ATTEMPTS) {
        await this.#rows.delete({ id: row.id });
        logger.error({ client: row.clientId, attempts }, 'back-channel logout given up');
        this.observer?.('abandoned');
      } else {
        await this.#rows.update({ id: row.id }, { attempts, lockedUntil: null, nextAttemptAt: new Date(Date.now() + retryDelaySeconds(attempts) * 1000) });
        this.observer?.('retry');
      }
      return false;
    }
    await this.#rows.delete({ id: row.id });
    provider.emit('backchannel.success', undefined, client, row.accountId, sid);
    this.observer?.('sent');
    return true;
  }
}
