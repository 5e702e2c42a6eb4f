import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import type { StaffTextKey } from '../texts.js';

export interface StaffLoginForm { login_id: string; password: string }
export const staffLoginForm = defineForm<StaffLoginForm, StaffTextKey>({
  schema: {
    type: 'object',
    properties: {
      login_id: { type: 'string', minLength: 1, maxLength: 64 },
      password: { type: 'string', minLength: 1, maxLength: 128 },
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
