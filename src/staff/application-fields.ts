import type { Lang } from '../config/types.js';
import type { Services } from '../services.js';
import type { Translate } from '../web/texts.js';
import { displayDate } from '../applications/dates.js';
import { isStaffTextKey, type StaffTextKey } from './texts.js';

// Application form fields as staff read them, on the application page and in an account's personal data.

/** The label of a form field (staff.field.*), or the field's own name when it has none. */
export function fieldLabel(t: Translate<StaffTextKey>, field: string): string {
  const key = `staff.field.${field}`;
  return isStaffTextKey(key) ? t(key) : field;
}

const CHOICES: Record<string, string> = { kind: 'staff.kind', gender: 'staff.gender', leaving_type: 'staff.leaving' };

/** A form value as staff read it: the choice's label instead of its code. */
export function fieldValue(
  services: Pick<Services, 'config'>, page: { t: Translate<StaffTextKey>; lang: Lang }, field: string, value: string | undefined,
): string {
  if (!value) return '';
  if (field === 'document_type') {
    const type = services.config.graduates?.documentTypes.find((d) => d.id === value);
    return type ? type[page.lang] : value;
  }
  if (field === 'birth_date') return displayDate(value);
  const key = Object.hasOwn(CHOICES, field) ? `${CHOICES[field]}.${value}` : '';
  return key && isStaffTextKey(key) ? page.t(key) : value;
}
