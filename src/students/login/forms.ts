import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import type { StudentTextKey } from '../texts.js';

// 在学生ログイン: ユーザID, パスワード, 第2パスワード (empty until one is set). Upper bounds keep hashing
// cost bounded and stop oversized values.
const password = { type: 'string', maxLength: 128 } as const;

export interface LoginForm { user_id: string; password: string; second_password: string }
export const loginForm = defineForm<LoginForm, StudentTextKey>({
  schema: {
    type: 'object',
    properties: {
      user_id: { type: 'string', minLength: 1, maxLength: 64 },
      password: { ...password, minLength: 1 },
      second_password: password,
    },
    required: ['user_id', 'password', 'second_password'],
    additionalProperties: false,
  } as JSONSchemaType<LoginForm>,
  labels: { user_id: 'login.user_id', password: 'login.password', second_password: 'login.second_password' },
  normalize: ['user_id'],
});
