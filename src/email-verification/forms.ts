import type { JSONSchemaType } from 'ajv';
import { addError, defineForm } from '../web/forms.js';
import type { EmailTextKey } from './texts.js';

// The address forms: a new address with its 確認, and the one address of a "forgotten" request.

export interface EmailForm { email: string; email_confirm: string }
/** An address and its 確認, which must match (letter case aside); `label` names the address field. */
export function emailConfirmationForm<K extends string = EmailTextKey>(label: K | EmailTextKey) {
  return defineForm<EmailForm, K | EmailTextKey>({
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
    crossCheck: (value, t) => (typeof value.email !== 'string' || typeof value.email_confirm !== 'string' || !value.email || !value.email_confirm
      || value.email.toLowerCase() === value.email_confirm.toLowerCase()
      ? undefined
      : addError({}, 'email_confirm', t('field.mismatch', { field: t(label) }))),
  });
}
export const emailForm = emailConfirmationForm('email.label');

export interface ForgotForm { email: string }
export const forgotForm = defineForm<ForgotForm, EmailTextKey>({
  schema: {
    type: 'object',
    properties: { email: { type: 'string', minLength: 1, maxLength: 254, format: 'email' } },
    required: ['email'],
    additionalProperties: false,
  } as JSONSchemaType<ForgotForm>,
  labels: { email: 'email.label' },
  normalize: ['email'],
});

