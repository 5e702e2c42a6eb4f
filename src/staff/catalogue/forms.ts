import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import type { StaffTextKey } from '../texts.js';

export interface CatalogueForm { university: string; faculty: string; department: string }
export const catalogueForm = defineForm<CatalogueForm, StaffTextKey>({
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
  labels: { university: 'staff.catalogue.university', faculty: 'staff.catalogue.faculty', department: 'staff.catalogue.department' },
  normalize: ['university', 'faculty', 'department'],
});
