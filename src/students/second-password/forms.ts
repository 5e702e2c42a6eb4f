import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import type { StudentTextKey } from '../texts.js';

// A new 第2パスワード and its 確認: the policy accepts up to 64 characters (its own check says so more
// precisely); the bound stops oversized values before hashing.
const newPassword = { type: 'string', minLength: 1, maxLength: 64 } as const;
const fields = { second_password: newPassword, second_password_confirm: newPassword } as const;
const labels = { second_password: 'second_password.label', second_password_confirm: 'second_password.confirm_label' } as const;

export interface NewSecondPasswordForm { second_password: string; second_password_confirm: string }
export const newSecondPasswordForm = defineForm<NewSecondPasswordForm, StudentTextKey>({
  schema: {
    type: 'object',
    properties: fields,
    required: ['second_password', 'second_password_confirm'],
    additionalProperties: false,
  } as JSONSchemaType<NewSecondPasswordForm>,
  labels,
});

/** A reset form also carries its token (the URL's), so it survives a rule broken on the form. */
export interface ResetForm extends NewSecondPasswordForm { token: string }
export const resetForm = defineForm<ResetForm, StudentTextKey>({
  schema: {
    type: 'object',
    properties: { token: { type: 'string', minLength: 1, maxLength: 200 }, ...fields },
    required: ['token', 'second_password', 'second_password_confirm'],
    additionalProperties: false,
  } as JSONSchemaType<ResetForm>,
  labels,
});
