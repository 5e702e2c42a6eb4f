import type { AccountRow } from '../db/entities.js';
import type { Services } from '../services.js';
import { isReused, recordCredential } from './history.js';
import { checkPasswordPolicy, type PolicyViolation, passwordPolicyOf } from './policy.js';

// A graduate's password and second password set together: at the first login (G3, replacing the
// initial password) and from a reset URL (G11).

export interface NewPasswords { password: string; passwordConfirm: string; secondPassword: string; secondPasswordConfirm: string }

export interface PasswordSetupErrors {
  password: PolicyViolation[];
  secondPassword: PolicyViolation[];
  passwordMismatch: boolean;
  secondPasswordMismatch: boolean;
  /** G3: the new password is the initial one. */
  sameAsInitial: boolean;
  passwordsEqual: boolean;
}

type Deps = Pick<Services, 'config' | 'database' | 'hasher'>;

/**
 * Both follow their policy, each matches its 確認, the two differ, and neither repeats a recent one
 * (password history). The new password must not be the account's present one: the initial password
 * at the first login (told as such), the current one on a reset. Undefined when all is well.
 */
export async function checkNewPasswords(
  services: Deps, account: Pick<AccountRow, 'id' | 'passwordHash'>, input: NewPasswords, present: 'initial' | 'current',
): Promise<PasswordSetupErrors | undefined> {
  const { config, hasher } = services;
  const errors: PasswordSetupErrors = {
    password: checkPasswordPolicy(input.password, passwordPolicyOf(config)),
    secondPassword: checkPasswordPolicy(input.secondPassword, config.passwordPolicy.secondPassword),
    passwordMismatch: input.password !== input.passwordConfirm,
    secondPasswordMismatch: input.secondPassword !== input.secondPasswordConfirm,
    sameAsInitial: false,
    passwordsEqual: input.password === input.secondPassword,
  };
  if (!errors.password.length && !errors.passwordMismatch && (present === 'initial' || !errors.passwordsEqual)) {
    if (await hasher.verify(account.passwordHash, input.password)) {
      if (present === 'initial') errors.sameAsInitial = true;
      else errors.password.push('same_as_forbidden');
    } else if (!errors.passwordsEqual && await isReused(services, account.id, 'password', input.password)) {
      errors.password.push('reused');
    }
  }
  if (!errors.secondPassword.length && !errors.secondPasswordMismatch && !errors.passwordsEqual
    && await isReused(services, account.id, 'second_password', input.secondPassword)) errors.secondPassword.push('reused');
  const invalid = errors.password.length || errors.secondPassword.length || errors.passwordMismatch || errors.secondPasswordMismatch
    || errors.sameAsInitial || errors.passwordsEqual;
  return invalid ? errors : undefined;
}

/**
 * Stores both (hashed) and remembers them in the history. `over`: the hashes as read before; then only
 * if they are still those (false otherwise, nothing stored: another request set them first).
 */
export async function storePasswords(
  services: Deps & Pick<Services, 'accounts'>, accountId: string, input: Pick<NewPasswords, 'password' | 'secondPassword'>,
  over?: Pick<AccountRow, 'passwordHash' | 'secondPasswordHash'>,
): Promise<boolean> {
  const [passwordHash, secondPasswordHash] = await Promise.all([services.hasher.hash(input.password), services.hasher.hash(input.secondPassword)]);
  if (!(await services.accounts.setPasswords(accountId, { passwordHash, secondPasswordHash }, over))) return false;
  await recordCredential(services, accountId, 'password', passwordHash);
  await recordCredential(services, accountId, 'second_password', secondPasswordHash);
  return true;
}
