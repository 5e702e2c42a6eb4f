import type { AccountRow } from '../../db/entities.js';
import { pendingSetup, setupComplete } from '../../accounts/account-store.js';
import type { Services } from '../../services.js';
import { ipThrottleKey, studentThrottleKey } from '../../credentials/throttle-keys.js';
import { admitAttempt } from '../../credentials/attempts.js';
import { upgradeStoredHashes } from '../../credentials/rehash.js';

// 在学生ログイン: the university's directory checks ユーザID and パスワード, this service the 第2パスワード.
// A plain function over the services: the routes parse and render, this decides.

export type StudentLogin =
  | { kind: 'ok'; account: AccountRow; complete: boolean }
  | { kind: 'invalid' }
  | { kind: 'unavailable' };

/**
 * ユーザID + パスワード (+ 第2パスワード once set). Every wrong value, an unknown user, a student who
 * is not enrolled and a locked account give the same answer; only the audit log tells them apart.
 */
export async function authenticateStudent(
  services: Pick<Services, 'config' | 'throttle' | 'audit' | 'directory' | 'hasher' | 'accounts'>,
  input: { userId: string; password: string; secondPassword: string; ip: string },
): Promise<StudentLogin> {
  const { throttle, audit, directory, hasher, accounts, config } = services;
  if (directory.kind !== 'password') return { kind: 'invalid' };
  const keys = [
    studentThrottleKey(config, input.userId),
    ipThrottleKey(config, input.ip),
  ];
  // The attempt is counted before it is checked, so that parallel attempts cannot exceed the limit.
  if (!(await admitAttempt(services, keys, [input.password, input.secondPassword]))) {
    const known = await accounts.findStudentByDirectoryId(input.userId);
    await audit.record('login.locked', { accountId: known?.id, ip: input.ip, detail: { userType: 'student' } });
    return { kind: 'invalid' };
  }

  // The directory's check and the second password's run side by side (a login waits for one argon2
  // time, not two); the second password's outcome counts only if the directory says yes. Either way
  // each value typed costs one hash, so the time taken does not tell which of them was wrong.
  const known = await accounts.findStudentByDirectoryId(input.userId);
  const secondPasswordCheck = known?.secondPasswordHash
    ? hasher.verify(known.secondPasswordHash, input.secondPassword)
    : input.secondPassword ? hasher.verify(null, input.secondPassword) : Promise.resolve(false);
  const [answer, secondPasswordMatches] = await Promise.all([directory.verify(input.userId, input.password), secondPasswordCheck]);
  if (answer.outcome === 'unavailable') {
    // Not the user's failure: the attempt does not count.
    for (const key of keys) await throttle.release(key);
    await audit.record('login.directory_unavailable', { ip: input.ip });
    return { kind: 'unavailable' };
  }

  let account: AccountRow | undefined;
  let secondPasswordOk: boolean;
  if (answer.outcome === 'ok') {
    account = await accounts.upsertStudent(answer.person, known);
    // No second password yet: the first-login steps follow (a value typed anyway was hashed once).
    secondPasswordOk = known?.secondPasswordHash ? secondPasswordMatches : true;
  } else {
    secondPasswordOk = false;
  }

  if (!account || !secondPasswordOk) {
    const locked = await throttle.lockExhausted(keys);
    await audit.record('login.failure', {
      accountId: account?.id,
      ip: input.ip,
      detail: {
        userType: 'student',
        reason: account ? 'second_password' : 'directory',
        // Why the directory said no (not found, not enrolled, …): for the audit log, never the page.
        directoryReason: answer.outcome === 'invalid' ? answer.reason : undefined,
      },
    });
    if (locked.length) await audit.record('login.locked', { accountId: account?.id, ip: input.ip, detail: { userType: 'student', lockedNow: true } });
    return { kind: 'invalid' };
  }

  await throttle.succeeded(keys[0]!, keys[1]!);
  if (account.secondPasswordHash) await upgradeStoredHashes(services, account, { secondPassword: input.secondPassword });
  const complete = setupComplete(pendingSetup(account));
  await audit.record('login.success', { accountId: account.id, ip: input.ip, detail: { userType: 'student', complete } });
  return { kind: 'ok', account, complete };
}
