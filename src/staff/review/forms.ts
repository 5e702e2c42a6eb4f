import type { JSONSchemaType } from 'ajv';
import type { CommonTextKey } from '../../web/common-texts.js';
import { defineForm } from '../../web/forms.js';
import type { Translate } from '../../web/texts.js';
import type { StaffTextKey } from '../texts.js';

// The decisions' forms on the application page. Each carries the version of the application the clerk
// saw (a decision on an application that changed since is refused) and the queue it was opened from
// (次の申請へ continues there).

const version = { type: 'string', pattern: '^[0-9]{1,16}$', nullable: true } as const;
const queue = { type: 'string', maxLength: 600, nullable: true } as const;

export interface ApproveForm { account_id?: string; account_q?: string; version?: string; queue?: string; confirm?: string }
export const approveForm = defineForm<ApproveForm, StaffTextKey>({
  schema: {
    type: 'object',
    properties: {
      account_id: { type: 'string', nullable: true, pattern: '^[0-9a-fA-F-]{36}$' },
      account_q: { type: 'string', nullable: true, maxLength: 200 },
      version, queue,
      confirm: { type: 'string', nullable: true, enum: ['yes'] },
    },
    required: [],
    additionalProperties: false,
  } as JSONSchemaType<ApproveForm>,
  labels: { account_id: 'staff.decision.account_pick', account_q: 'staff.decision.account_query' },
});

/**
 * 却下 and 再申請の依頼: standard reasons (checkboxes, `reason_id`, made a list before validation) and
 * free text; at least one of them (the service checks it and composes the text the applicant gets).
 */
export interface ReasonForm { reason_id: string[]; text?: string; version?: string; queue?: string }
const reasonSchema = {
  type: 'object',
  properties: {
    reason_id: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9_-]{1,40}$' }, maxItems: 30 },
    text: { type: 'string', nullable: true, maxLength: 2000 },
    version, queue,
  },
  required: ['reason_id'],
  additionalProperties: false,
} as JSONSchemaType<ReasonForm>;

/** The body of a reason form: `field` (reason or comment) read as `text`, the checkboxes as a list. */
export function reasonBody(body: unknown, field: 'reason' | 'comment'): Record<string, unknown> {
  const input = { ...(body && typeof body === 'object' ? (body as Record<string, unknown>) : {}) };
  const ids = input.reason_id;
  input.reason_id = ids === undefined ? [] : Array.isArray(ids) ? ids : [ids];
  if (field in input) input.text = input[field];
  delete input[field];
  return input;
}

/** Neither a standard reason nor text: the message goes to the free text. */
const someReason = (value: Partial<ReasonForm>, t: Translate<StaffTextKey | CommonTextKey>) =>
  value.reason_id?.length || (typeof value.text === 'string' && value.text.trim()) ? undefined : { text: [t('field.required', { field: t('review.reasons.required_field') })] };

export const rejectForm = defineForm<ReasonForm, StaffTextKey>({ schema: reasonSchema, labels: { text: 'staff.decision.reject_reason', reason_id: 'review.reasons.reject_legend' }, crossCheck: someReason });
export const resubmitForm = defineForm<ReasonForm, StaffTextKey>({ schema: reasonSchema, labels: { text: 'staff.decision.resubmit_comment', reason_id: 'review.reasons.resubmit_legend' }, crossCheck: someReason });

export interface VersionForm { version?: string; queue?: string }
export const versionForm = defineForm<VersionForm, StaffTextKey>({
  schema: { type: 'object', properties: { version, queue }, required: [], additionalProperties: false } as JSONSchemaType<VersionForm>,
  labels: {},
});
