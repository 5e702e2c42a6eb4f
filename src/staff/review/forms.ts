import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import type { StaffTextKey } from '../texts.js';

// The decisions' forms on the application page.

export interface ApproveForm { account_id?: string; account_q?: string }
export const approveForm = defineForm<ApproveForm, StaffTextKey>({
  schema: {
    type: 'object',
    properties: {
      account_id: { type: 'string', nullable: true, pattern: '^[0-9a-fA-F-]{36}$' },
      account_q: { type: 'string', nullable: true, maxLength: 200 },
    },
    required: [],
    additionalProperties: false,
  } as JSONSchemaType<ApproveForm>,
  labels: { account_id: 'staff.decision.account_pick', account_q: 'staff.decision.account_query' },
});

// A rejection's reason and a resubmission's comment: required, at most 2000 characters, not blank.

export interface RejectForm { reason: string }
export const rejectForm = defineForm<RejectForm, StaffTextKey>({
  schema: {
    type: 'object',
    properties: { reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } },
    required: ['reason'],
    additionalProperties: false,
  } as JSONSchemaType<RejectForm>,
  labels: { reason: 'staff.decision.reject_reason' },
});

export interface ResubmitForm { comment: string }
export const resubmitForm = defineForm<ResubmitForm, StaffTextKey>({
  schema: {
    type: 'object',
    properties: { comment: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } },
    required: ['comment'],
    additionalProperties: false,
  } as JSONSchemaType<ResubmitForm>,
  labels: { comment: 'staff.decision.resubmit_comment' },
});
