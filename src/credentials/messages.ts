import type { PasswordPolicy } from '../config/types.js';
import { addError, inOrder, type FieldErrors } from '../web/forms.js';
import type { Translate } from '../web/texts.js';
import type { CredentialsTextKey } from './texts.js';
import { checkPasswordPolicy, type PolicyViolation } from './policy.js';
import type { SecondPasswordCheck } from './second-password.js';

// How the rules of a new password or second password are told on a screen.

type T = Translate<CredentialsTextKey>;

/** The rules a new password (or second password) must follow, as the screen lists them. */
export function passwordRules(t: T, policy: PasswordPolicy): string[] {
  const rules = [t('second_password.rule.min_length', { min: policy.minLength })];
  if (policy.requireUppercase) rules.push(t('second_password.rule.uppercase'));
  if (policy.requireLowercase) rules.push(t('second_password.rule.lowercase'));
  if (policy.requireDigit) rules.push(t('second_password.rule.digit'));
  if (policy.alphanumericOnly) rules.push(t('second_password.rule.alphanumeric'));
  return rules;
}

/** Adds a message per broken rule to `field` (labelled `label` in the messages). */
export function addPolicyErrors(t: T, policy: PasswordPolicy, errors: FieldErrors, field: string, label: string, violations: readonly PolicyViolation[]): FieldErrors {
  for (const violation of violations) {
    const key = violation === 'same_as_forbidden' ? 'policy.same_as_current' : `policy.${violation}` as const;
    addError(errors, field, t(key, { field: label, min: policy.minLength, max: policy.maxLength }));
  }
  return errors;
}

/** Turns a rejected second password (or password) into messages on the form's fields. */
export function secondPasswordErrors(
  t: T, policy: PasswordPolicy, check: Extract<SecondPasswordCheck, { kind: 'invalid' }>, field = 'second_password', label = t('second_password.label'),
): FieldErrors {
  const errors = addPolicyErrors(t, policy, {}, field, label, check.violations);
  if (check.sameAsUniversity) addError(errors, field, t('policy.same_as_university', { field: label }));
  if (check.mismatch) addError(errors, `${field}_confirm`, t('field.mismatch', { field: label }));
  return errors;
}

/**
 * The rules a typed new value (password or second password) breaks that need no account — the
 * policy's composition rules and its 確認 (`<field>_confirm`) — added to a refused form's messages, so
 * that one submit shows every problem (an empty or wrong field elsewhere does not hide them). The
 * rules that compare with the account's values (history, the other credential, the university
 * password) are left to the full check, so that a wrong guess learns nothing of them. A field that
 * already has a message gets no second one.
 */
export function typedCredentialErrors(t: T, policy: PasswordPolicy, errors: FieldErrors, body: unknown, field: string, label: string): FieldErrors {
  const posted = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const value = posted[field];
  const confirmation = posted[`${field}_confirm`];
  if (typeof value !== 'string' || value === '') return errors;
  if (!errors[field]?.length) addPolicyErrors(t, policy, errors, field, label, checkPasswordPolicy(value, policy));
  if (typeof confirmation === 'string' && confirmation !== '' && confirmation !== value && !errors[`${field}_confirm`]?.length) {
    addError(errors, `${field}_confirm`, t('field.mismatch', { field: label }));
  }
  // The summary lists the messages in the form's order: the value before its 確認.
  const names = Object.keys(errors);
  if (!errors[field] || !errors[`${field}_confirm`]) return errors;
  return inOrder(errors, names.flatMap((name) => (name === `${field}_confirm` ? [field, name] : name === field ? [] : [name])));
}
