import { createHash } from 'node:crypto';
import { MoreThan, type Repository } from 'typeorm';
import type { ThrottleRule } from '../config/types.js';
import type { Database } from '../db/data-source.js';
import type { LoginThrottleRow } from '../db/entities.js';
import { rawQuery, utcDatetime } from '../db/raw-query.js';

export interface ThrottleKey { key: string; rule: ThrottleRule }

/** Keys are hashed so that the table holds no user IDs or addresses in the clear. */
export function throttleKey(kind: 'account' | 'ip', value: string, rule: ThrottleRule): ThrottleKey {
  return { key: `${kind}:${createHash('sha256').update(value).digest('hex')}`, rule };
}

/**
 * Failed-login counting with lockout, in the database so that it holds across replicas.
 * A key is locked for lockMinutes once it fails maxFailures times within windowMinutes.
 */
// Every login attempt runs admit() on two keys and ends with succeeded() or lockExhausted(), so
// those statements are plain parameterised SQL (src/db/raw-query.ts): `key` is quoted with
// backticks, which MySQL/MariaDB and SQLite both read. One attempt is counted in one statement per
// key: an upsert that leaves a locked key as it is, and otherwise creates the row, starts a new
// window (the old one has passed, or its lock has run out) or adds one; it hands back the count it
// left, or LOCKED — MySQL/MariaDB through LAST_INSERT_ID(expr) (the OK packet's insert id), SQLite
// through RETURNING. The lock is tested first: lockMinutes may exceed windowMinutes, and a locked
// key refuses until locked_until whatever its window. MySQL evaluates the assignments left to right,
// each seeing the ones before; SQLite evaluates all of them on the old row: the order below gives
// both the same result (each condition reads only columns not yet assigned, or its own).
const COUNT = {
  mysql: 'INSERT INTO login_throttle (`key`, failures, window_started_at, locked_until) VALUES (?, LAST_INSERT_ID(1), ?, NULL) '
    + 'ON DUPLICATE KEY UPDATE '
    + 'failures = CASE WHEN locked_until > ? THEN failures + LAST_INSERT_ID(0) '
    + 'ELSE LAST_INSERT_ID(CASE WHEN window_started_at <= ? OR locked_until <= ? THEN 1 ELSE failures + 1 END) END, '
    + 'window_started_at = CASE WHEN locked_until > ? THEN window_started_at WHEN window_started_at <= ? OR locked_until <= ? THEN ? ELSE window_started_at END, '
    + 'locked_until = CASE WHEN locked_until <= ? THEN NULL ELSE locked_until END',
  sqlite: 'INSERT INTO login_throttle (`key`, failures, window_started_at, locked_until) VALUES (?, 1, ?, NULL) '
    + 'ON CONFLICT(`key`) DO UPDATE SET '
    + 'failures = CASE WHEN locked_until > ? THEN failures '
    + 'ELSE CASE WHEN window_started_at <= ? OR locked_until <= ? THEN 1 ELSE failures + 1 END END, '
    + 'window_started_at = CASE WHEN locked_until > ? THEN window_started_at WHEN window_started_at <= ? OR locked_until <= ? THEN ? ELSE window_started_at END, '
    + 'locked_until = CASE WHEN locked_until <= ? THEN NULL ELSE locked_until END '
    // The new row's locked_until is set only while the lock holds.
    + 'RETURNING CASE WHEN locked_until IS NULL THEN failures ELSE 0 END AS failures',
} as const;

/** What count() hands back for a locked key (a count is at least 1). */
const LOCKED = 0;

/**
 * The window start of a row that counts nothing (after a success, or an attempt taken back): long
 * past, so that the next attempt starts a new window exactly as on a new row, and the housekeeping
 * purge removes it; every reader takes such a row as no row.
 */
const NO_WINDOW = utcDatetime(0);

export class LoginThrottle {
  private readonly rows: Repository<LoginThrottleRow>;

  constructor(private readonly database: Database) {
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
   * failed. An admitted attempt ends with lockExhausted (it failed) or succeeded/release.
   * One statement per key (run side by side); when a key is locked, the attempt counts against none
   * of them — the others' counts are taken back — and only the locked keys are returned.
   */
  async admit(keys: ThrottleKey[], now = new Date()): Promise<ThrottleKey[]> {
    const counts = await Promise.all(keys.map((key) => this.count(key, now)));
    const locked = keys.filter((_key, i) => counts[i] === LOCKED);
    if (locked.length) {
      await this.takeBack(keys.filter((_key, i) => counts[i] !== LOCKED));
      return locked;
    }
    return keys.filter((key, i) => counts[i]! > key.rule.maxFailures);
  }

  /**
   * Undoes admit's count on keys whose attempt another key refused. A count that goes back to 0
   * leaves a row that counts nothing (NO_WINDOW), as the key was before: absent, its window passed or
   * its lock run out — or, had it held only released counts in a live window, one that now starts later.
   * window_started_at is assigned first so that it reads the old count on MySQL too.
   */
  private async takeBack(keys: ThrottleKey[]): Promise<void> {
    if (!keys.length) return;
    const marks = keys.map(() => '?').join(', ');
    await rawQuery(this.database, 'UPDATE login_throttle SET window_started_at = CASE WHEN failures = 1 THEN ? ELSE window_started_at END, '
      + `failures = failures - 1 WHERE \`key\` IN (${marks}) AND failures > 0`, [NO_WINDOW, ...keys.map((k) => k.key)]);
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
    await rawQuery(this.database, 'UPDATE login_throttle SET failures = failures - 1 WHERE `key` = ? AND failures > 0', [key.key]);
  }

  /** Counts a failure against each key; returns the keys that this failure locked. */
  async recordFailure(keys: ThrottleKey[], now = new Date()): Promise<ThrottleKey[]> {
    for (const key of keys) await this.count(key, now);
    return this.lockExhausted(keys, now);
  }

  /**
   * One atomic count against a key within its window (a new window once the old one has passed or
   * its lock has run out); returns the count this statement left, or LOCKED (the key is left as it
   * was). Concurrent counts, resets and purges are each one statement too, so no count is lost and
   * none is lower than this one.
   */
  private async count({ key, rule }: ThrottleKey, now: Date): Promise<number> {
    const nowText = utcDatetime(now.getTime());
    const windowStart = utcDatetime(now.getTime() - rule.windowMinutes * 60_000);
    const params = [key, nowText, nowText, windowStart, nowText, nowText, windowStart, nowText, nowText, nowText];
    if (this.database.dialect === 'mysql') {
      const result = await rawQuery<{ insertId: number | string }>(this.database, COUNT.mysql, params);
      return Number(result.insertId);
    }
    const rows = await rawQuery<Array<{ failures: number }>>(this.database, COUNT.sqlite, params);
    return Number(rows[0]!.failures);
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
    await rawQuery(this.database, 'DELETE FROM login_throttle WHERE `key` = ?', [key.key]);
  }

  /**
   * After a successful admitted attempt, in one statement: `resetKey` counts nothing any more (as
   * reset() leaves it, though the row stays: no failures, no lock, NO_WINDOW) and `releaseKey` gives
   * back this attempt's count (as release()). Every condition reads only `key`, never assigned.
   */
  async succeeded(resetKey: ThrottleKey, releaseKey: ThrottleKey): Promise<void> {
    await rawQuery(this.database, 'UPDATE login_throttle SET failures = CASE WHEN `key` = ? THEN 0 ELSE failures - 1 END, '
      + 'window_started_at = CASE WHEN `key` = ? THEN ? ELSE window_started_at END, '
      + 'locked_until = CASE WHEN `key` = ? THEN NULL ELSE locked_until END '
      + 'WHERE `key` = ? OR (`key` = ? AND failures > 0)',
    [resetKey.key, resetKey.key, NO_WINDOW, resetKey.key, resetKey.key, releaseKey.key]);
  }

  /** Rows whose window began before `cutoff` and that hold no lock past it (never locked, or a lock run out). */
  async purgeStale(cutoff: Date): Promise<void> {
    const before = utcDatetime(cutoff.getTime());
    await rawQuery(this.database, 'DELETE FROM login_throttle WHERE window_started_at < ? AND (locked_until IS NULL OR locked_until < ?)', [before, before]);
  }
}
