import type { AccountRow } from '../db/entities.js';
import type { ThrottleKey } from '../security/throttle.js';
import type { Services } from '../services.js';
import { accountThrottleKey } from './throttle-keys.js';

/**
 * Counts a credential check against its throttle keys *before* the check (so parallel attempts cannot
 * exceed the limit; src/security/throttle.ts). A refused attempt (locked, or no room left) still hashes
 * every value typed, so that it takes as long as a checked one and a lock is not told apart by timing.
 * True when the attempt may go on; it then ends with lockExhausted (failed) or succeeded/release (succeeded).
 */
export async function admitAttempt(services: Pick<Services, 'throttle' | 'hasher'>, keys: ThrottleKey[], typed: readonly string[]): Promise<boolean> {
  if (!(await services.throttle.admit(keys)).length) return true;
  for (const value of typed) if (value) await services.hasher.verify(null, value);
  return false;
}

/**
 * After a credential was reset through its mailed one-time URL (the user proved control of the
 * mailbox): the account's login lock is lifted — its per-account throttle key, which every login and
 * every check of a credential of that user counts against — and the lifting is audited as
 * `account.unlocked` { by: 'reset' } when the key was locked. Counted failures below the limit go too.
 * Not lifted: a lock set by staff (accounts.locked: a decision, not a count; a reset refuses such an
 * account), and the lock of a client address (shared by everyone behind it).
 */
export async function liftLoginLockAfterReset(
  services: Pick<Services, 'config' | 'throttle' | 'audit'>, account: AccountRow, ip: string,
): Promise<void> {
  const key = accountThrottleKey(services.config, account);
  const wasLocked = (await services.throttle.lockedKeys([key])).length > 0;
  await services.throttle.reset(key);
  if (wasLocked) await services.audit.record('account.unlocked', { accountId: account.id, ip, detail: { by: 'reset', userType: account.userType } });
}
