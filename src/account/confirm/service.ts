import type { AccountRow } from '../../db/entities.js';
import { accountThrottleKey, ipThrottleKey } from '../../credentials/throttle-keys.js';
import type { Services } from '../../services.js';
import { admitAttempt } from '../../credentials/attempts.js';

export type PasswordAgain = { kind: 'ok' } | { kind: 'wrong' } | { kind: 'unavailable' };

/**
 * Re-authentication: パスワード again (graduates: theirs; students: the university's, asked of the
 * directory), throttled like a login on the user's key and the client address. A wrong or locked
 * attempt is audited; the caller records a confirmed one.
 */
export async function checkPasswordAgain(
  services: Pick<Services, 'config' | 'throttle' | 'hasher' | 'directory' | 'audit'>,
  input: { account: AccountRow; password: string; ip: string },
): Promise<PasswordAgain> {
  const { config, throttle, hasher, directory, audit } = services;
  const { account, password } = input;
  const keys = [accountThrottleKey(config, account), ipThrottleKey(config, input.ip)];
  const wrong = async (detail: Record<string, boolean> = {}): Promise<PasswordAgain> => {
    await audit.record('account.reauthentication_failed', { accountId: account.id, ip: input.ip, detail });
    return { kind: 'wrong' };
  };
  if (!(await admitAttempt(services, keys, [password]))) {
    return wrong({ locked: true });
  }
  let ok: boolean;
  if (account.userType === 'graduate') {
    ok = await hasher.verify(account.passwordHash, password);
  } else if (directory.kind === 'password' && account.directoryId) {
    const answer = await directory.verify(account.directoryId, password);
    if (answer.outcome === 'unavailable') {
      for (const key of keys) await throttle.release(key);
      return { kind: 'unavailable' };
    }
    ok = answer.outcome === 'ok';
  } else {
    ok = false;
  }
  if (!ok) {
    await throttle.lockExhausted(keys);
    return wrong();
  }
  for (const key of keys) await throttle.release(key);
  return { kind: 'ok' };
}
