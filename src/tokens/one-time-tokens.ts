import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { And, IsNull, LessThan, MoreThan, type Repository } from 'typeorm';
import type { Database } from '../db/data-source.js';
import { withNamedLock } from '../db/named-lock.js';
import type { OneTimeTokenRow, TokenPurpose } from '../db/entities.js';

export type TokenCheck =
  | { status: 'valid'; token: OneTimeTokenRow }
  | { status: 'expired' | 'used' | 'unknown' };

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A one-time URL always starts with the configured issuer, never with the request's Host header. */
export function oneTimeUrl(issuer: string, path: string, token: string): string {
  return `${issuer}${path}?token=${encodeURIComponent(token)}`;
}

/**
 * Single-use, purpose-bound tokens for the URLs sent by mail: 256 random bits, stored only as a
 * SHA-256 hash (the token itself has full entropy, so a fast hash suffices).
 */
export class OneTimeTokens {
  private readonly rows: Repository<OneTimeTokenRow>;

  constructor(private readonly database: Database, private readonly lifetimeMinutes: number) {
    this.rows = database.dataSource.getRepository(database.entities.OneTimeToken);
  }

  get lifetime(): number { return this.lifetimeMinutes; }

  /** Issues a token; earlier unused tokens of the same purpose for the account stop working. */
  issue(purpose: TokenPurpose, accountId: string, payload: Record<string, string> | null = null): Promise<string> {
    return this.whileAccountLocked(accountId, (rows) => this.issueNow(rows, purpose, accountId, payload));
  }

  /**
   * Issues a token as issue() does, unless the account was sent `maxPerHour` tokens (of any purpose)
   * within the hour: then none (undefined), and nothing changes.
   */
  issueWithinLimit(purpose: TokenPurpose, accountId: string, payload: Record<string, string> | null, maxPerHour: number): Promise<string | undefined> {
    return this.whileAccountLocked(accountId, async (rows) => {
      if ((await rows.countBy({ accountId, createdAt: MoreThan(new Date(Date.now() - 3600_000)) })) >= maxPerHour) return undefined;
      return this.issueNow(rows, purpose, accountId, payload);
    });
  }

  /**
   * Runs `work` while no other process issues a token for the account: of requests sent at once (a
   * double click, two tabs), each sees the tokens of those before it — so the hourly limit holds
   * exactly and only the last link issued works.
   */
  private whileAccountLocked<T>(accountId: string, work: (rows: Repository<OneTimeTokenRow>) => Promise<T>): Promise<T> {
    const key = createHash('sha256').update(accountId).digest('hex').slice(0, 20);
    return withNamedLock(this.database.dataSource, `cert-idp:tk:${key}`, ({ manager }) => work(manager.getRepository(this.database.entities.OneTimeToken)), { waitSeconds: 10 });
  }

  /** `rows`: the table on the lock's connection. */
  private async issueNow(rows: Repository<OneTimeTokenRow>, purpose: TokenPurpose, accountId: string, payload: Record<string, string> | null): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = new Date();
    await rows.update({ accountId, purpose, usedAt: IsNull() }, { usedAt: now });
    await rows.insert({
      id: randomUUID(),
      tokenHash: hashToken(token),
      purpose,
      accountId,
      payload,
      expiresAt: new Date(now.getTime() + this.lifetimeMinutes * 60_000),
      usedAt: null,
      createdAt: now,
    });
    return token;
  }

  /** Looks a token up without using it (to show the form it opens). */
  async check(purpose: TokenPurpose, token: unknown): Promise<TokenCheck> {
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { status: 'unknown' };
    const row = await this.rows.findOneBy({ tokenHash: hashToken(token) });
    // A token of another purpose is as good as unknown: it opens nothing here.
    if (!row || row.purpose !== purpose) return { status: 'unknown' };
    if (row.usedAt) return { status: 'used' };
    if (row.expiresAt.getTime() <= Date.now()) return { status: 'expired' };
    return { status: 'valid', token: row };
  }

  /** Uses a token up; only one of any number of concurrent calls succeeds. */
  async consume(purpose: TokenPurpose, token: unknown): Promise<TokenCheck> {
    const checked = await this.check(purpose, token);
    if (checked.status !== 'valid') return checked;
    const now = new Date();
    const result = await this.rows.update(
      { id: checked.token.id, usedAt: IsNull(), expiresAt: MoreThan(now) },
      { usedAt: now },
    );
    if (result.affected !== 1) return { status: 'used' };
    // A link used ends any other of its purpose still open for the account (issue() leaves none; this
    // holds even for links issued before it took its lock).
    await this.rows.update({ accountId: checked.token.accountId, purpose, usedAt: IsNull() }, { usedAt: now });
    return { status: 'valid', token: { ...checked.token, usedAt: now } };
  }

  /** How many tokens an account was sent since a moment (to cap mails per hour). */
  countIssuedSince(accountId: string, since: Date): Promise<number> {
    return this.rows.countBy({ accountId, createdAt: MoreThan(since) });
  }

  async purgeOlderThan(cutoff: Date): Promise<void> {
    await this.rows.delete({ expiresAt: And(LessThan(cutoff)) });
  }
}
