import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../web/forms.js';
import type { MessageKey } from '../web/i18n.js';
import type { StaffMessageKey } from './i18n.js';

// The console's forms (ajv). Labels are staff.* keys: the staff pages' translator resolves them.
const label = (key: StaffMessageKey) => key as unknown as MessageKey;

export interface StaffLoginForm { login_id: string; password: string }
export const staffLoginForm = defineForm<StaffLoginForm>({
  schema: {
    type: 'object',
    properties: {
      login_id: { type: 'string', minLength: 1, maxLength: 64 },
      password: { type: 'string', minLength: 1, maxLength: 128 },
    },
    required: ['login_id', 'password'],
    additionalProperties: false,
  } as JSONSchemaType<StaffLoginForm>,
  labels: { login_id: label('staff.login.login_id'), password: label('staff.login.password') },
  normalize: ['login_id'],
});

export interface TotpForm { code: string }
export const totpForm = defineForm<TotpForm>({
  schema: {
    type: 'object',
    properties: { code: { type: 'string', minLength: 1, maxLength: 20 } },
    required: ['code'],
    additionalProperties: false,
  } as JSONSchemaType<TotpForm>,
  labels: { code: label('staff.totp.code') },
  normalize: ['code'],
});

export interface ApproveForm { account_id?: string; account_q?: string }
export const approveForm = defineForm<ApproveForm>({
  schema: {
    type: 'object',
    properties: {
      account_id: { type: 'string', nullable: true, pattern: '^[0-9a-fA-F-]{36}$' },
      account_q: { type: 'string', nullable: true, maxLength: 200 },
    },
    required: [],
    additionalProperties: false,
  } as JSONSchemaType<ApproveForm>,
  labels: { account_id: label('staff.decision.account_pick'), account_q: label('staff.decision.account_query') },
});

export interface RejectForm { reason: string }
export const rejectForm = defineForm<RejectForm>({
  schema: {
    type: 'object',
    properties: { reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } },
    required: ['reason'],
    additionalProperties: false,
  } as JSONSchemaType<RejectForm>,
  labels: { reason: label('staff.decision.reject_reason') },
});

export interface ResubmitForm { comment: string }
export const resubmitForm = defineForm<ResubmitForm>({
  schema: {
    type: 'object',
    properties: { comment: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } },
    required: ['comment'],
    additionalProperties: false,
  } as JSONSchemaType<ResubmitForm>,
  labels: { comment: label('staff.decision.resubmit_comment') },
});

export interface CatalogueForm { university: string; faculty: string; department: string }
export const catalogueForm = defineForm<CatalogueForm>({
  schema: {
    type: 'object',
    properties: {
      university: { type: 'string', minLength: 1, maxLength: 100 },
      faculty: { type: 'string', minLength: 1, maxLength: 100 },
      department: { type: 'string', minLength: 1, maxLength: 100 },
    },
    required: ['university', 'faculty', 'department'],
    additionalProperties: false,
  } as JSONSchemaType<CatalogueForm>,
  labels: { university: label('staff.catalogue.university'), faculty: label('staff.catalogue.faculty'), department: label('staff.catalogue.department') },
  normalize: ['university', 'faculty', 'department'],
});

export interface StaffCreateForm { login_id: string; display_name: string; role: 'reviewer' | 'administrator' }
export const staffCreateForm = defineForm<StaffCreateForm>({
  schema: {
    type: 'object',
    properties: {
      login_id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]{3,64}$' },
      display_name: { type: 'string', minLength: 1, maxLength: 100 },
      role: { type: 'string', enum: ['reviewer', 'administrator'] },
    },
    required: ['login_id', 'display_name', 'role'],
    additionalProperties: false,
  } as JSONSchemaType<StaffCreateForm>,
  labels: { login_id: label('staff.staff.login_id'), display_name: label('staff.staff.display_name'), role: label('staff.staff.role') },
  normalize: ['login_id', 'display_name'],
});
