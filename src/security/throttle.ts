import { createHash } from 'node:crypto';
import { LessThan, MoreThan, type Repository } from 'typeorm';
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

  /** Counts a failure against each key; returns the keys that this failure locked. */
  async recordFailure(keys: ThrottleKey[], now = new Date()): Promise<ThrottleKey[]> {
    const newlyLocked: ThrottleKey[] = [];
    for (const { key, rule } of keys) {
      const windowStart = new Date(now.getTime() - rule.windowMinutes * 60_000);
      // Atomic increment inside the current window; a row whose window has passed starts again.
      const bumped = await this.rows.increment({ key, windowStartedAt: MoreThan(windowStart) }, 'failures', 1);
      if (!bumped.affected) {
        await this.rows.upsert({ key, failures: 1, windowStartedAt: now, lockedUntil: null }, ['key']);
      }
      const row = await this.rows.findOneBy({ key });
      if (row && row.failures >= rule.maxFailures && !(row.lockedUntil && row.lockedUntil > now)) {
        await this.rows.update({ key }, { lockedUntil: new Date(now.getTime() + rule.lockMinutes * 60_000), failures: 0, windowStartedAt: now });
        newlyLocked.push({ key, rule });
      }
    }
    return newlyLocked;
  }

  async reset(key: ThrottleKey): Promise<void> {
    await this.rows.delete({ key: key.key });
  }

  async purgeStale(cutoff: Date): Promise<void> {
    await this.rows.delete({ windowStartedAt: LessThan(cutoff), lockedUntil: LessThan(cutoff) });
  }
}
