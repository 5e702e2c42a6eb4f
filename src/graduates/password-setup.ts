import type { AppConfig, PasswordPolicy } from '../config/types.js';
import { addPolicyErrors, typedCredentialErrors } from '../credentials/messages.js';
import type { NewPasswords, PasswordSetupErrors } from '../credentials/passwords.js';
import { addError, type FieldErrors } from '../web/forms.js';
import type { Translate } from '../web/texts.js';
import type { GraduateTextKey } from './texts.js';
import { passwordPolicyOf } from '../credentials/policy.js';

// A graduate's new パスワード and 第2パスワード, each with its 確認: set at the first login (G3,
// login/) and from a reset URL (G11, password-reset/). The form's fields, the policies and the messages
// of a refusal are the same on both screens.

export interface GraduatePasswordPolicies { password: PasswordPolicy; secondPassword: PasswordPolicy }

/** The password follows passwordPolicy.password (the second password's policy when not configured). */
export function graduatePasswordPolicies(config: Pick<AppConfig, 'passwordPolicy'>): GraduatePasswordPolicies {
  return { password: passwordPolicyOf(config), secondPassword: config.passwordPolicy.secondPassword };
}

export interface PasswordSetupFields { password: string; password_confirm: string; second_password: string; second_password_confirm: string }

const newValue = { type: 'string', minLength: 1, maxLength: 64 } as const;

/** The four fields as form schema properties, their labels, and their names (all required). */
export const PASSWORD_SETUP_FIELDS = {
  properties: { password: newValue, password_confirm: newValue, second_password: newValue, second_password_confirm: newValue },
  labels: {
    password: 'password_setup.password', password_confirm: 'password_setup.password_confirm',
    second_password: 'password_setup.second_password', second_password_confirm: 'password_setup.second_password_confirm',
  } satisfies Record<keyof PasswordSetupFields, GraduateTextKey>,
  required: ['password', 'password_confirm', 'second_password', 'second_password_confirm'] as const,
};

/** The posted fields as the credentials module takes them. */
export function newPasswordsOf(value: PasswordSetupFields): NewPasswords {
  return {
    password: value.password, passwordConfirm: value.password_confirm,
    secondPassword: value.second_password, secondPasswordConfirm: value.second_password_confirm,
  };
}

/** The messages of PasswordSetupErrors, on the form's fields. */
export function passwordSetupErrors(t: Translate<GraduateTextKey>, policies: GraduatePasswordPolicies, result: PasswordSetupErrors): FieldErrors {
  const errors: FieldErrors = {};
  addPolicyErrors(t, policies.password, errors, 'password', t('password_setup.password'), result.password);
  addPolicyErrors(t, policies.secondPassword, errors, 'second_password', t('password_setup.second_password'), result.secondPassword);
  if (result.passwordMismatch) addError(errors, 'password_confirm', t('field.mismatch', { field: t('password_setup.password') }));
  if (result.secondPasswordMismatch) addError(errors, 'second_password_confirm', t('field.mismatch', { field: t('password_setup.second_password') }));
  if (result.sameAsInitial) addError(errors, 'password', t('policy.same_as_initial'));
  if (result.passwordsEqual) addError(errors, 'second_password', t('policy.passwords_equal'));
  return errors;
}

/** A refused form (a field left empty) still tells what is wrong with the values that were typed. */
export function typedPasswordErrors(t: Translate<GraduateTextKey>, policies: GraduatePasswordPolicies, errors: FieldErrors, body: unknown): FieldErrors {
  typedCredentialErrors(t, policies.password, errors, body, 'password', t('password_setup.password'));
  return typedCredentialErrors(t, policies.secondPassword, errors, body, 'second_password', t('password_setup.second_password'));
}
