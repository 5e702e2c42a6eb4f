import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import type { StaffTextKey } from '../texts.js';

export interface StaffCreateForm { login_id: string; display_name: string; role: 'reviewer' | 'administrator' }
export const staffCreateForm = defineForm<StaffCreateForm, StaffTextKey>({
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
  labels: { login_id: 'staff.staff.login_id', display_name: 'staff.staff.display_name', role: 'staff.staff.role' },
  normalize: ['login_id', 'display_name'],
});
