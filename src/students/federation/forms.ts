import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import type { StudentTextKey } from '../texts.js';

/** After the university SSO: the 第2パスワード alone. */
export interface SecondPasswordOnlyForm { second_password: string }
export const secondPasswordOnlyForm = defineForm<SecondPasswordOnlyForm, StudentTextKey>({
  schema: {
    type: 'object',
    properties: { second_password: { type: 'string', minLength: 1, maxLength: 128 } },
    required: ['second_password'],
    additionalProperties: false,
  } as JSONSchemaType<SecondPasswordOnlyForm>,
  labels: { second_password: 'login.second_password' },
});
