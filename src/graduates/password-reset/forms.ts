import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import { PASSWORD_SETUP_FIELDS, type PasswordSetupFields } from '../password-setup.js';
import type { PasswordResetTextKey } from './texts.js';

/** The reset form carries its token (the URL's), so it survives a rule broken on the form. */
export interface PasswordResetForm extends PasswordSetupFields { token: string }
export const passwordResetForm = defineForm<PasswordResetForm, PasswordResetTextKey>({
  schema: {
    type: 'object',
    properties: { token: { type: 'string', minLength: 1, maxLength: 200 }, ...PASSWORD_SETUP_FIELDS.properties },
    required: ['token', ...PASSWORD_SETUP_FIELDS.required],
    additionalProperties: false,
  } as JSONSchemaType<PasswordResetForm>,
  labels: PASSWORD_SETUP_FIELDS.labels,
});
