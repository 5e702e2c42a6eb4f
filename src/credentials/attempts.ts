import type { ThrottleKey } from '../security/throttle.js';
import type { Services } from '../services.js';

/**
 * Counts a credential check against its throttle keys *before* the check (so parallel attempts cannot
 * exceed the limit; src/security/throttle.ts). A refused attempt (locked, or no room left) still hashes
 * every value typed, so that it takes as long as a checked one and a lock is not told apart by timing.
 * True when the attempt may go on; it then ends with lockExhausted (failed) or reset/release (succeeded).
 */
export async function admitAttempt(services: Pick<Services, 'throttle' | 'hasher'>, keys: ThrottleKey[], typed: readonly string[]): Promise<boolean> {
  if (!(await services.throttle.admit(keys)).length) return true;
  for (const value of typed) if (value) await services.hasher.verify(null, value);
  return false;
}
