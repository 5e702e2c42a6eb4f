import type { AppConfig, PasswordPolicy } from '../config/types.js';
import { lazyModule } from '../lazy-module.js';

// The list (and the Set made of it) weighs about 10 MiB: loaded when a password is first set.
const languageCommon = lazyModule<typeof import('@zxcvbn-ts/language-common')>('@zxcvbn-ts/language-common');

export type PolicyViolation =
  | 'too_short'
  | 'too_long'
  | 'needs_uppercase'
  | 'needs_lowercase'
  | 'needs_digit'
  | 'alphanumeric_only'
  | 'too_common'
  | 'same_as_forbidden'
  /** One of the last values of this credential (password history, checked by the caller). */
  | 'reused'
  /** The same as the account's other credential (password vs second password, checked by the caller). */
  | 'passwords_equal';

/** The manuals' rules (第2パスワード): 8+, A–Z, a–z, 0–9, half-width alphanumerics only. */
export const MANUAL_POLICY: PasswordPolicy = {
  minLength: 8,
  maxLength: 64,
  requireUppercase: true,
  requireLowercase: true,
  requireDigit: true,
  alphanumericOnly: true,
  rejectCommon: true,
};

let commonPasswords: Set<string> | undefined;
function isCommon(candidate: string): boolean {
  commonPasswords ??= new Set((languageCommon().dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return commonPasswords.has(candidate.toLowerCase());
}

/**
 * Checks a new password against a policy. `forbidden` are values it must not equal (the old
 * password, the other credential). Returns every rule broken, in the order the screen lists them.
 */
export function checkPasswordPolicy(candidate: string, policy: PasswordPolicy, forbidden: string[] = []): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  const length = [...candidate].length;
  if (length < policy.minLength) violations.push('too_short');
  if (length > policy.maxLength) violations.push('too_long');
  if (policy.requireUppercase && !/[A-Z]/.test(candidate)) violations.push('needs_uppercase');
  if (policy.requireLowercase && !/[a-z]/.test(candidate)) violations.push('needs_lowercase');
  if (policy.requireDigit && !/[0-9]/.test(candidate)) violations.push('needs_digit');
  if (policy.alphanumericOnly && !/^[A-Za-z0-9]*$/.test(candidate)) violations.push('alphanumeric_only');
  if (policy.rejectCommon && isCommon(candidate)) violations.push('too_common');
  if (forbidden.some((value) => value !== '' && value === candidate)) violations.push('same_as_forbidden');
  return violations;
}

/** The graduates' password policy (passwordPolicy.password; the second-password policy when unset). */
export function passwordPolicyOf(config: Pick<AppConfig, 'passwordPolicy'>): PasswordPolicy {
  return config.passwordPolicy.password ?? config.passwordPolicy.secondPassword;
}
