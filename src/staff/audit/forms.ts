import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../../web/forms.js';
import { AUDIT_EVENTS } from '../audit-events.js';
import type { AuditTextKey } from './texts.js';

// 監査ログ's filters, from the page's query string (a GET form: the filtered page can be bookmarked).

export interface AuditQuery { event?: string; actor?: string; subject?: string; from?: string; to?: string }

/** The query parameters the filters read; others (the language switch's `lang`) are not the form's. */
export const AUDIT_QUERY_FIELDS = ['event', 'actor', 'subject', 'from', 'to'] as const;

/** Empty, or a day as YYYY-MM-DD (whether the day exists is checked below). */
const DAY = '^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

/** True for a day of the calendar (not 2026-02-30). */
/** The first day a filter may name: nothing in the log is older than the Unix epoch (and years below 1000 are no database's dates). */
const FIRST_DAY = '1970-01-01';

function isCalendarDay(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day && day >= FIRST_DAY;
}

const optional = (schema: Record<string, unknown>) => ({ ...schema, nullable: true }) as never;

export const auditQueryForm = defineForm<AuditQuery, AuditTextKey>({
  schema: {
    type: 'object',
    properties: {
      event: optional({ type: 'string', enum: ['', ...AUDIT_EVENTS] }),
      actor: optional({ type: 'string', pattern: '^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }),
      subject: optional({ type: 'string', maxLength: 254 }),
      from: optional({ type: 'string', pattern: DAY }),
      to: optional({ type: 'string', pattern: DAY }),
    },
    required: [],
    additionalProperties: false,
  } as JSONSchemaType<AuditQuery>,
  labels: { event: 'staff.audit.event', actor: 'staff.audit.actor', subject: 'staff.audit.subject', from: 'staff.audit.from', to: 'staff.audit.to' },
  normalize: ['subject', 'from', 'to', 'actor'],
  crossCheck: (value, t) => {
    const errors: Record<string, string[]> = {};
    for (const field of ['from', 'to'] as const) {
      const day = value[field];
      if (day && !isCalendarDay(day)) errors[field] = [t('field.invalid', { field: t(field === 'from' ? 'staff.audit.from' : 'staff.audit.to') })];
    }
    if (!Object.keys(errors).length && value.from && value.to && value.from > value.to) errors.to = [t('staff.audit.date_order')];
    return errors;
  },
});
