import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import type { AccountTextKey } from '../texts.js';

export interface ConfirmForm { password: string; return?: string }
/** The re-authentication step: パスワード. */
export const confirmForm = defineForm<ConfirmForm, AccountTextKey>({
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
