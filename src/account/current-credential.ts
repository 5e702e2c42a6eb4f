import type { AccountRow } from '../db/entities.js';
import { admitAttempt } from '../credentials/attempts.js';
import { accountThrottleKey } from '../credentials/throttle-keys.js';
import type { Services } from '../services.js';

export type CurrentCredential = { kind: 'ok' } | { kind: 'wrong_current' } | { kind: 'locked' };

/**
 * The current password or second password typed before a change, throttled like a login on the
 * user's own key (counted before it is checked, so parallel guesses cannot exceed the limit). A
 * wrong or locked attempt is audited as `failure`.
 */
export async function checkCurrentCredential(
  services: Pick<Services, 'config' | 'throttle' | 'hasher' | 'audit'>,
  input: { account: AccountRow; hash: string | null | undefined; value: string; failure: 'password.change_failed' | 'second_password.change_failed'; ip: string },
): Promise<CurrentCredential> {
  const { account } = input;
  const key = accountThrottleKey(services.config, account);
  if (!(await admitAttempt(services, [key], [input.value]))) {
    await services.audit.record(input.failure, { accountId: account.id, ip: input.ip, detail: { locked: true } });
    return { kind: 'locked' };
  }
  if (!(await services.hasher.verify(input.hash, input.value))) {
    await services.throttle.lockExhausted([key]);
    await services.audit.record(input.failure, { accountId: account.id, ip: input.ip });
    return { kind: 'wrong_current' };
  }
  await services.throttle.release(key);
  return { kind: 'ok' };
}
