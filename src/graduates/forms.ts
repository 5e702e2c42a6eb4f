import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../web/forms.js';

export interface GraduateLoginForm { email: string; password: string; second_password: string }
export const graduateLoginForm = defineForm<GraduateLoginForm>({
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

export interface PasswordSetupForm { password: string; password_confirm: string; second_password: string; second_password_confirm: string }
export const passwordSetupForm = defineForm<PasswordSetupForm>({
  schema: {
    type: 'object',
    properties: {
      password: { type: 'string', minLength: 1, maxLength: 64 },
      password_confirm: { type: 'string', minLength: 1, maxLength: 64 },
      second_password: { type: 'string', minLength: 1, maxLength: 64 },
      second_password_confirm: { type: 'string', minLength: 1, maxLength: 64 },
    },
    required: ['password', 'password_confirm', 'second_password', 'second_password_confirm'],
    additionalProperties: false,
  } as JSONSchemaType<PasswordSetupForm>,
  labels: {
    password: 'password_setup.password', password_confirm: 'password_setup.confirm',
    second_password: 'password_setup.second_password', second_password_confirm: 'password_setup.confirm',
  },
});

export interface TermsForm { terms_version: string; agree?: string }
export const termsForm = defineForm<TermsForm>({
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
