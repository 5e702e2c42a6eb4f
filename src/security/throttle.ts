import { createHash } from 'node:crypto';
import { LessThan, LessThanOrEqual, MoreThan, type Repository } from 'typeorm';
import type { ThrottleRule } from '../config/types.js';
import type { Database } from '../db/data-source.js';
import type { LoginThrottleRow } from '../db/entities.js';

export interface ThrottleKey { key: string; rule: ThrottleRule }

/** Keys are hashed so that the table holds no user IDs or addresses in the clear. */
export function throttleKey(kind: 'account' | 'ip', value: string, rule: ThrottleRule): ThrottleKey {
  return { key: `${kind}:${createHash('sha256').update(value).digest('hex')}`, rule };
}

/**
 * Failed-login counting with lockout, in the database so that it holds across replicas.
 * A key is locked for lockMinutes once it fails maxFailures times within windowMinutes.
 */
export class LoginThrottle {
  private readonly rows: Repository<LoginThrottleRow>;

  constructor(database: Database) {
    this.rows = database.dataSource.getRepository(database.entities.LoginThrottle);
  }

  async lockedKeys(keys: ThrottleKey[], now = new Date()): Promise<ThrottleKey[]> {
    const locked: ThrottleKey[] = [];
    for (const key of keys) {
      const row = await this.rows.findOneBy({ key: key.key, lockedUntil: MoreThan(now) });
      if (row) locked.push(key);
    }
    return locked;
  }

  /**
   * Counts an attempt against each key *before* its credentials are checked, and returns the keys
   * that refuse it: locked, or already holding maxFailures counted attempts. Checking the lock alone
   * is not enough: any number of attempts sent in parallel would pass it before the first of them
   * failed. An admitted attempt ends with lockExhausted (it failed) or release/reset (it succeeded).
   */
  async admit(keys: ThrottleKey[], now = new Date()): Promise<ThrottleKey[]> {
    const locked = await this.lockedKeys(keys, now);
    if (locked.length) return locked;
    const refused: ThrottleKey[] = [];
    for (const key of keys) {
      if ((await this.bump(key, now)) > key.rule.maxFailures) refused.push(key);
    }
    return refused;
  }

  /** After a failed attempt: locks the keys that reached maxFailures; returns those this call locked. */
  async lockExhausted(keys: ThrottleKey[], now = new Date()): Promise<ThrottleKey[]> {
    const newlyLocked: ThrottleKey[] = [];
    for (const { key, rule } of keys) {
      const row = await this.rows.findOneBy({ key });
      if (row && row.failures >= rule.maxFailures && !(row.lockedUntil && row.lockedUntil > now)) {
        // The count stays: attempts admitted before the lock and still in flight must not find room.
        await this.rows.update({ key }, { lockedUntil: new Date(now.getTime() + rule.lockMinutes * 60_000) });
        newlyLocked.push({ key, rule });
      }
    }
    return newlyLocked;
  }

  /** After a successful admitted attempt: it does not count as a failure. */
  async release(key: ThrottleKey): Promise<void> {
    await this.rows.decrement({ key: key.key, failures: MoreThan(0) }, 'failures', 1);
  }

  /** Counts a failure against each key; returns the keys that this failure locked. */
  async recordFailure(keys: ThrottleKey[], now = new Date()): Promise<ThrottleKey[]> {
    for (const key of keys) await this.bump(key, now);
    return this.lockExhausted(keys, now);
  }

  /** One atomic count against a key within its window; returns the count. */
  private async bump({ key, rule }: ThrottleKey, now: Date): Promise<number> {
    const windowStart = new Date(now.getTime() - rule.windowMinutes * 60_000);
    // Only one of concurrent first counts creates the row; a row whose window has passed starts again.
    await this.rows.createQueryBuilder().insert().values({ key, failures: 0, windowStartedAt: now, lockedUntil: null }).orIgnore().execute();
    await this.rows.update({ key, windowStartedAt: LessThanOrEqual(windowStart) }, { failures: 0, windowStartedAt: now, lockedUntil: null });
    // A lock that has run out starts the count again (admit() refused while it held).
    await this.rows.update({ key, lockedUntil: LessThanOrEqual(now) }, { failures: 0, windowStartedAt: now, lockedUntil: null });
    await this.rows.increment({ key }, 'failures', 1);
    return (await this.rows.findOneBy({ key }))?.failures ?? 1;
  }

  /** What a key holds now: failures counted in its window, and the end of its lock while it is locked. */
  async stateOf(key: ThrottleKey, now = new Date()): Promise<{ failures: number; lockedUntil?: Date }> {
    const row = await this.rows.findOneBy({ key: key.key });
    if (!row) return { failures: 0 };
    if (row.lockedUntil && row.lockedUntil > now) return { failures: row.failures, lockedUntil: row.lockedUntil };
    const windowStart = now.getTime() - key.rule.windowMinutes * 60_000;
    return { failures: row.lockedUntil || row.windowStartedAt.getTime() <= windowStart ? 0 : row.failures };
  }

  async reset(key: ThrottleKey): Promise<void> {
    await this.rows.delete({ key: key.key });
  }

  async purgeStale(cutoff: Date): Promise<void> {
    await this.rows.delete({ windowStartedAt: LessThan(cutoff), lockedUntil: LessThan(cutoff) });
  }
}
