import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import type { StaffTextKey } from '../texts.js';

export interface StaffLoginForm { login_id: string; password: string; enrolment_token?: string }
export const staffLoginForm = defineForm<StaffLoginForm, StaffTextKey>({
  schema: {
    type: 'object',
    properties: {
      login_id: { type: 'string', minLength: 1, maxLength: 64 },
      password: { type: 'string', minLength: 1, maxLength: 128 },
      // The enrolment link the login page was opened with (checked on the enrolment page).
      enrolment_token: { type: 'string', nullable: true, maxLength: 100 },
    },
    required: ['login_id', 'password'],
    additionalProperties: false,
  } as JSONSchemaType<StaffLoginForm>,
  labels: { login_id: 'staff.login.login_id', password: 'staff.login.password' },
  normalize: ['login_id'],
});

export interface TotpForm { code: string }
export const totpForm = defineForm<TotpForm, StaffTextKey>({
  schema: {
    type: 'object',
    properties: { code: { type: 'string', minLength: 1, maxLength: 20 } },
    required: ['code'],
    additionalProperties: false,
  } as JSONSchemaType<TotpForm>,
  labels: { code: 'staff.totp.code' },
  normalize: ['code'],
});

/** The enrolment's code, with the token of the enrolment link the page was opened with. */
export interface EnrolForm { code: string; token: string }
export const enrolForm = defineForm<EnrolForm, StaffTextKey>({
  schema: {
    type: 'object',
    properties: {
      code: { type: 'string', minLength: 1, maxLength: 20 },
      token: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
    },
    required: ['code', 'token'],
    additionalProperties: false,
  } as JSONSchemaType<EnrolForm>,
  labels: { code: 'staff.totp.code' },
  normalize: ['code'],
});
