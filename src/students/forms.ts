import type { JSONSchemaType } from 'ajv';
import { addError, defineForm } from '../web/forms.js';
import type { MessageKey } from '../web/i18n.js';

// Upper bounds keep hashing cost bounded (64 characters accepted, DESIGN §5) and stop oversized values.
const password = { type: 'string', maxLength: 128 } as const;
/** A new password: the policy accepts up to 64 characters (its own check says so more precisely). */
const newPassword = { type: 'string', maxLength: 64 } as const;

export interface LoginForm { user_id: string; password: string; second_password: string }
export const loginForm = defineForm<LoginForm>({
  schema: {
    type: 'object',
    properties: {
      user_id: { type: 'string', minLength: 1, maxLength: 64 },
      password: { ...password, minLength: 1 },
      second_password: password,
    },
    required: ['user_id', 'password', 'second_password'],
    additionalProperties: false,
  } as JSONSchemaType<LoginForm>,
  labels: { user_id: 'login.user_id', password: 'login.password', second_password: 'login.second_password' },
  normalize: ['user_id'],
});

export interface EmailForm { email: string; email_confirm: string }
/** An address and its 確認, which must match (letter case aside); `label` names the address field. */
export function emailConfirmationForm(label: MessageKey) {
  return defineForm<EmailForm>({
    schema: {
      type: 'object',
      properties: {
        email: { type: 'string', minLength: 1, maxLength: 254, format: 'email' },
        email_confirm: { type: 'string', minLength: 1, maxLength: 254 },
      },
      required: ['email', 'email_confirm'],
      additionalProperties: false,
    } as JSONSchemaType<EmailForm>,
    labels: { email: label, email_confirm: 'email.confirm_label' },
    normalize: ['email', 'email_confirm'],
    crossCheck: (value, t) => (value.email.toLowerCase() === value.email_confirm.toLowerCase()
      ? undefined
      : addError({}, 'email_confirm', t('field.mismatch', { field: t(label) }))),
  });
}
export const emailForm = emailConfirmationForm('email.label');

export interface NewSecondPasswordForm { second_password: string; second_password_confirm: string }
export const newSecondPasswordForm = defineForm<NewSecondPasswordForm>({
  schema: {
    type: 'object',
    properties: {
      second_password: { ...newPassword, minLength: 1 },
      second_password_confirm: { ...newPassword, minLength: 1 },
    },
    required: ['second_password', 'second_password_confirm'],
    additionalProperties: false,
  } as JSONSchemaType<NewSecondPasswordForm>,
  labels: { second_password: 'second_password.label', second_password_confirm: 'second_password.confirm_label' },
});

export interface ForgotForm { email: string }
export const forgotForm = defineForm<ForgotForm>({
  schema: {
    type: 'object',
    properties: { email: { type: 'string', minLength: 1, maxLength: 254, format: 'email' } },
    required: ['email'],
    additionalProperties: false,
  } as JSONSchemaType<ForgotForm>,
  labels: { email: 'email.label' },
  normalize: ['email'],
});

/** A reset form also carries its token (the URL's), so it survives a rule broken on the form. */
export interface ResetForm extends NewSecondPasswordForm { token: string }
export const resetForm = defineForm<ResetForm>({
  schema: {
    type: 'object',
    properties: {
      token: { type: 'string', minLength: 1, maxLength: 200 },
      second_password: { ...newPassword, minLength: 1 },
      second_password_confirm: { ...newPassword, minLength: 1 },
    },
    required: ['token', 'second_password', 'second_password_confirm'],
    additionalProperties: false,
  } as JSONSchemaType<ResetForm>,
  labels: { second_password: 'second_password.label', second_password_confirm: 'second_password.confirm_label' },
});
