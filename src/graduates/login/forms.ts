import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import { PASSWORD_SETUP_FIELDS, type PasswordSetupFields } from '../password-setup.js';
import type { GraduateLoginTextKey } from './texts.js';

export interface GraduateLoginForm { email: string; password: string; second_password: string }
export const graduateLoginForm = defineForm<GraduateLoginForm, GraduateLoginTextKey>({
  schema: {
    type: 'object',
    properties: {
      email: { type: 'string', minLength: 1, maxLength: 254 },
      password: { type: 'string', minLength: 1, maxLength: 128 },
      second_password: { type: 'string', maxLength: 128 },
    },
    required: ['email', 'password', 'second_password'],
    additionalProperties: false,
  } as JSONSchemaType<GraduateLoginForm>,
  labels: { email: 'email.label', password: 'login.password', second_password: 'login.second_password' },
  normalize: ['email'],
});

/** パスワード設定 (G3): the new password and second password, each with 確認. */
export const passwordSetupForm = defineForm<PasswordSetupFields, GraduateLoginTextKey>({
  schema: {
    type: 'object',
    properties: PASSWORD_SETUP_FIELDS.properties,
    required: [...PASSWORD_SETUP_FIELDS.required],
    additionalProperties: false,
  } as JSONSchemaType<PasswordSetupFields>,
  labels: PASSWORD_SETUP_FIELDS.labels,
});

export interface TermsForm { terms_version: string; agree?: string }
export const termsForm = defineForm<TermsForm, GraduateLoginTextKey>({
  schema: {
    type: 'object',
    properties: {
      terms_version: { type: 'string', minLength: 1, maxLength: 32 },
      agree: { type: 'string', nullable: true, maxLength: 10 },
    },
    required: ['terms_version'],
    additionalProperties: false,
  } as JSONSchemaType<TermsForm>,
  labels: { terms_version: 'terms.title', agree: 'terms.agree_checkbox' },
});
