import type { AccountRow } from '../db/entities.js';
import type { Services } from '../services.js';
import { isReused, recordCredential } from './history.js';
import { checkPasswordPolicy, type PolicyViolation } from './policy.js';

// The 第2パスワード of students and graduates: the rules a new one must follow, and storing it.

export type SecondPasswordCheck =
  | { kind: 'ok' }
  | { kind: 'invalid'; violations: PolicyViolation[]; sameAsUniversity: boolean; mismatch: boolean }
  | { kind: 'unavailable' };

export type SecondPasswordDeps = Pick<Services, 'config' | 'database' | 'directory' | 'hasher' | 'accounts'>;

/**
 * The 第2パスワード rules: the configured policy (the manual's by default), 確認 matching, and not the
 * university password. That last one is asked of the directory itself (it says whether the
 * candidate is the student's university password), so the university password is never stored.
 * A graduate's second password must differ from their password. None of the last second passwords
 * may come back (password history).
 */
export async function checkNewSecondPassword(
  services: SecondPasswordDeps,
  account: AccountRow,
  candidate: string,
  confirmation: string,
): Promise<SecondPasswordCheck> {
  const violations = checkPasswordPolicy(candidate, services.config.passwordPolicy.secondPassword);
  const mismatch = candidate !== confirmation;
  let sameAsUniversity = false;
  if (violations.length === 0 && !mismatch && account.directoryId && services.directory.kind === 'password') {
    const answer = await services.directory.verify(account.directoryId, candidate);
    if (answer.outcome === 'unavailable') return { kind: 'unavailable' };
    sameAsUniversity = answer.outcome === 'ok';
  }
  if (violations.length === 0 && !mismatch && !sameAsUniversity) {
    if (account.passwordHash && await services.hasher.verify(account.passwordHash, candidate)) violations.push('passwords_equal');
    else if (await isReused(services, account.id, 'second_password', candidate)) violations.push('reused');
  }
  if (violations.length || mismatch || sameAsUniversity) return { kind: 'invalid', violations, sameAsUniversity, mismatch };
  return { kind: 'ok' };
}

/** Stores a new second password (hashed) and remembers it in the history. */
/**
 * `onlyIfUnset`: the first second password, stored only if the account still has none (false
 * otherwise, nothing stored: another request set one first).
 */
export async function storeSecondPassword(services: Pick<Services, 'config' | 'database' | 'hasher' | 'accounts'>, accountId: string, candidate: string, onlyIfUnset = false): Promise<boolean> {
  const hash = await services.hasher.hash(candidate);
  if (!(await services.accounts.setSecondPasswordHash(accountId, hash, onlyIfUnset))) return false;
  await recordCredential(services, accountId, 'second_password', hash);
  return true;
}
