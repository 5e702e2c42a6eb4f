import type { JSONSchemaType } from 'ajv';
import { emailConfirmationForm } from '../students/forms.js';
import { defineForm } from '../web/forms.js';
import type { MessageKey } from '../web/i18n.js';

export const changeEmailForm = emailConfirmationForm('change_email.new_label');

export interface ChangeSecondPasswordForm { current: string; second_password: string; second_password_confirm: string }
function secondPasswordChange(current: MessageKey, next: MessageKey) {
  return defineForm<ChangeSecondPasswordForm>({
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
    labels: { current, second_password: next, second_password_confirm: 'email.confirm_label' },
  });
}
/** S5 (students): 現在の第2パスワード, 新しい第2パスワード, 確認. */
export const changeSecondPasswordForm = secondPasswordChange('change_second_password.current_label', 'change_second_password.new_label');
/** G10 (graduates, manual 002 §2.4(e)): 旧第2パスワード, 新第2パスワード, 確認. */
export const graduateChangeSecondPasswordForm = secondPasswordChange('change_second_password.old_label', 'change_second_password.graduate_new_label');

export interface ChangePasswordForm { current: string; password: string; password_confirm: string }
/** G9: 現在のパスワード, 新しいパスワード, 確認. */
export const changePasswordForm = defineForm<ChangePasswordForm>({
  schema: {
    type: 'object',
    properties: {
      current: { type: 'string', minLength: 1, maxLength: 128 },
      password: { type: 'string', minLength: 1, maxLength: 64 },
      password_confirm: { type: 'string', minLength: 1, maxLength: 64 },
    },
    required: ['current', 'password', 'password_confirm'],
    additionalProperties: false,
  } as JSONSchemaType<ChangePasswordForm>,
  labels: { current: 'change_password.current_label', password: 'change_password.new_label', password_confirm: 'email.confirm_label' },
});

export interface ConfirmForm { password: string; return?: string }
/** The re-authentication step: パスワード. */
export const confirmForm = defineForm<ConfirmForm>({
  schema: {
    type: 'object',
    properties: {
      password: { type: 'string', minLength: 1, maxLength: 128 },
      return: { type: 'string', nullable: true, maxLength: 200 },
    },
    required: ['password'],
    additionalProperties: false,
  } as JSONSchemaType<ConfirmForm>,
  labels: { password: 'login.password' },
});
