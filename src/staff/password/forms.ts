import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import type { StaffPasswordTextKey } from './texts.js';

/** パスワード変更: the current password, the new one and 確認 (passwords are never normalised). */
export interface StaffPasswordForm { current_password: string; new_password: string; new_password_confirm: string }

export const staffPasswordForm = defineForm<StaffPasswordForm, StaffPasswordTextKey>({
  schema: {
    type: 'object',
    properties: {
      current_password: { type: 'string', minLength: 1, maxLength: 128 },
      new_password: { type: 'string', minLength: 1, maxLength: 128 },
      new_password_confirm: { type: 'string', minLength: 1, maxLength: 128 },
    },
    required: ['current_password', 'new_password', 'new_password_confirm'],
    additionalProperties: false,
  } as JSONSchemaType<StaffPasswordForm>,
  labels: { current_password: 'staff.password.current', new_password: 'staff.password.new', new_password_confirm: 'staff.password.confirm' },
});
