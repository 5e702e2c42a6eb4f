import { createHash } from 'node:crypto';
import { LessThan, MoreThan, type Repository } from 'typeorm';
import type { ThrottleRule } from '../config/types.js';
import type { Database } from '../db/data-source.js';
import type { LoginThrottleRow } from '../db/entities.js';
import { millis, rawQuery, utcDatetime } from '../db/raw-query.js';

export interface ThrottleKey { key: string; rule: ThrottleRule }

/** Keys are hashed so that the table holds no user IDs or addresses in the clear. */
export function throttleKey(kind: 'account' | 'ip', value: string, rule: ThrottleRule): ThrottleKey {
  return { key: `${kind}:${createHash('sha256').update(value).digest('hex')}`, rule };
}

/**
 * Failed-login counting with lockout, in the database so that it holds across replicas.
 * A key is locked for lockMinutes once it fails maxFailures times within windowMinutes.
 */
// Every login attempt runs admit() on two keys, so its statements are plain parameterised SQL
// (src/db/raw-query.ts): `key` is quoted with backticks, which MySQL/MariaDB and SQLite both read;
// only "insert unless it exists" differs by dialect.
const INSERT_IGNORE = {
  mysql: 'INSERT IGNORE INTO login_throttle (`key`, failures, window_started_at, locked_until) VALUES (?, 0, ?, NULL)',
  sqlite: 'INSERT OR IGNORE INTO login_throttle (`key`, failures, window_started_at, locked_until) VALUES (?, 0, ?, NULL)',
} as const;

interface RawThrottleRow { failures: number; window_started_at: Date | string; locked_until: Date | string | null }

export class LoginThrottle {
  private readonly rows: Repository<LoginThrottleRow>;

  constructor(private readonly database: Database) {
    this.rows = database.dataSource.getRepository(database.entities.LoginThrottle);
  }

  private async read(key: string): Promise<RawThrottleRow | undefined> {
    const rows = await rawQuery<RawThrottleRow[]>(this.database, 'SELECT failures, window_started_at, locked_until FROM login_throttle WHERE `key` = ?', [key]);
    return rows[0];
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
    const rows = await Promise.all(keys.map((key) => this.read(key.key)));
    const locked = keys.filter((_, i) => {
      const lockedUntil = rows[i]?.locked_until;
      return lockedUntil !== null && lockedUntil !== undefined && millis(lockedUntil) > now.getTime();
    });
    if (locked.length) return locked;
    const refused: ThrottleKey[] = [];
    for (const [i, key] of keys.entries()) {
      if ((await this.bump(key, now, rows[i])) > key.rule.maxFailures) refused.push(key);
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
    for (const key of keys) await this.bump(key, now, await this.read(key.key));
    return this.lockExhausted(keys, now);
  }

  /**
   * One atomic count against a key within its window; returns the count. `seen` is the row as read
   * just before (admit): the statements that only matter for a missing row, a past window or a lock
   * that has run out are skipped when it shows none of them. Each statement is guarded on its own,
   * so concurrent counts, resets and purges in between still give a count no lower than this one.
   */
  private async bump({ key, rule }: ThrottleKey, now: Date, seen?: RawThrottleRow | null): Promise<number> {
    const windowStart = now.getTime() - rule.windowMinutes * 60_000;
    const nowText = utcDatetime(now.getTime());
    const recent = seen !== undefined && seen !== null;
    // Only one of concurrent first counts creates the row (with a window starting now).
    if (!recent) await rawQuery(this.database, INSERT_IGNORE[this.database.dialect], [key, nowText]);
    // A row whose window has passed, or whose lock has run out (admit() refused while it held), starts again.
    const stale = recent && (millis(seen.window_started_at) <= windowStart || (seen.locked_until !== null && millis(seen.locked_until) <= now.getTime()));
    if (stale) {
      await rawQuery(this.database, 'UPDATE login_throttle SET failures = 0, window_started_at = ?, locked_until = NULL '
        + 'WHERE `key` = ? AND (window_started_at <= ? OR locked_until <= ?)', [nowText, key, utcDatetime(windowStart), nowText]);
    }
    await rawQuery(this.database, 'UPDATE login_throttle SET failures = failures + 1 WHERE `key` = ?', [key]);
    const counted = await this.read(key);
    if (counted) return counted.failures;
    // Deleted in between (a successful login's reset): count again on a new row.
    return recent ? this.bump({ key, rule }, now, null) : 1;
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
