import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../web/forms.js';

export interface ChangeEmailForm { email: string; email_confirm: string }
export const changeEmailForm = defineForm<ChangeEmailForm>({
  schema: {
    type: 'object',
    properties: {
      email: { type: 'string', minLength: 1, maxLength: 254, format: 'email' },
      email_confirm: { type: 'string', minLength: 1, maxLength: 254 },
    },
    required: ['email', 'email_confirm'],
    additionalProperties: false,
  } as JSONSchemaType<ChangeEmailForm>,
  labels: { email: 'change_email.new_label', email_confirm: 'email.confirm_label' },
  normalize: ['email', 'email_confirm'],
});

export interface ChangeSecondPasswordForm { current: string; second_password: string; second_password_confirm: string }
export const changeSecondPasswordForm = defineForm<ChangeSecondPasswordForm>({
  schema: {
    type: 'object',
    properties: {
      current: { type: 'string', minLength: 1, maxLength: 128 },
      second_password: { type: 'string', minLength: 1, maxLength: 128 },
      second_password_confirm: { type: 'string', minLength: 1, maxLength: 128 },
    },
    required: ['current', 'second_password', 'second_password_confirm'],
    additionalProperties: false,
  } as JSONSchemaType<ChangeSecondPasswordForm>,
  labels: {
    current: 'change_second_password.current_label',
    second_password: 'change_second_password.new_label',
    second_password_confirm: 'email.confirm_label',
  },
});
