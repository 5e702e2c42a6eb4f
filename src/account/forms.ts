import type { JSONSchemaType } from 'ajv';
import { emailConfirmationForm } from '../students/forms.js';
import { defineForm } from '../web/forms.js';

export const changeEmailForm = emailConfirmationForm('change_email.new_label');

export interface ChangeSecondPasswordForm { current: string; second_password: string; second_password_confirm: string }
export const changeSecondPasswordForm = defineForm<ChangeSecondPasswordForm>({
  schema: {
    type: 'object',
    properties: {
      current: { type: 'string', minLength: 1, maxLength: 128 },
      second_password: { type: 'string', minLength: 1, maxLength: 64 },
      second_password_confirm: { type: 'string', minLength: 1, maxLength: 64 },
    },
    required: ['current', 'second_password', 'second_password_confirm'],
    additionalProperties: false,
  } as JSONSchemaType<ChangeSecondPasswordForm>,
  labels: {
    current: 'change_second_password.current_label',
    second_password: 'change_second_password.new_label',
    second_password_confirm: 'email.confirm_label',
  },
});
