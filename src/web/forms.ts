import { Ajv, type ErrorObject, type JSONSchemaType } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { CommonTextKey } from './common-texts.js';
import type { Translate } from './texts.js';

/** Messages per form field, shown beside the field on the same page. */
export type FieldErrors = Record<string, string[]>;

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false });
addFormats(ajv);

/** The form field every form carries; it is checked by the CSRF guard, not by the form schema. */
export const CSRF_FIELD = '_csrf';

/** A form's texts: `K` is the key type of the capability's tables (labels and messages come from there). */
export interface FormDefinition<T, K extends string = CommonTextKey> {
  schema: JSONSchemaType<T>;
  /** The label of each field as the screen names it (for messages). */
  labels: Partial<Record<keyof T & string, K>>;
  /** Fields whose surrounding white space is dropped, and which are NFKC-normalised (full-width → half-width). */
  normalize?: Array<keyof T & string>;
  /** A field's own message for a pattern or format it does not match (e.g. katakana only). */
  messages?: Partial<Record<keyof T & string, K>>;
  /** Fields answered by choosing (select, radio, checkbox): an empty one is told 「…を選択してください。」, not 「入力」. */
  choices?: Array<keyof T & string>;
  /**
   * Rules across fields (e.g. 確認 must match). They run with the schema's checks, not after them,
   * so that one submit reports every problem; a field the schema already refused gets no second
   * message. `value` holds what was posted, so any field may be missing.
   */
  crossCheck?: (value: Partial<T>, t: Translate<K | CommonTextKey>) => FieldErrors | undefined;
}

/**
 * Compiles a form: ajv validates the parsed body; every failure becomes a message on the field.
 * Passwords are never normalised (their characters are what the user chose).
 */
export function defineForm<T, K extends string = CommonTextKey>(definition: FormDefinition<T, K>) {
  const validate = ajv.compile({ ...definition.schema, properties: { ...definition.schema.properties, [CSRF_FIELD]: { type: 'string' } } });
  const properties = (definition.schema.properties ?? {}) as Record<string, { enum?: unknown[] } | undefined>;
  const choices = new Set<string>([
    ...(definition.choices ?? []),
    ...Object.keys(properties).filter((name) => Array.isArray(properties[name]?.enum)),
  ]);
  return (body: unknown, t: Translate<K | CommonTextKey>): FormResult<T> => {
    const input: Record<string, unknown> = body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
    for (const field of definition.normalize ?? []) {
      const value = input[field];
      if (typeof value === 'string') input[field] = value.normalize('NFKC').trim();
    }
    const valid = validate(input);
    const errors: FieldErrors = {};
    if (!valid) {
      // One message per field and problem: an empty field is only told to be filled in (its format
      // messages would say nothing new), a field that was chosen from is told 「選択」.
      const byField = new Map<string, ErrorObject[]>();
      for (const error of validate.errors ?? []) {
        const field = fieldOf(error);
        byField.set(field, [...(byField.get(field) ?? []), error]);
      }
      for (const [field, fieldErrors] of byField) {
        const label = t(definition.labels[field as keyof T & string] ?? 'common.confirm');
        const value = input[field];
        if (value === undefined || value === '') {
          addError(errors, field, t(choices.has(field) ? 'field.choose' : 'field.required', { field: label }));
          continue;
        }
        const own = definition.messages?.[field as keyof T & string];
        for (const error of fieldErrors) {
          const message = own && (error.keyword === 'pattern' || error.keyword === 'format' || error.keyword === 'enum')
            ? t(own, { field: label })
            : messageFor(error, label, t, choices.has(field));
          if (!errors[field]?.includes(message)) addError(errors, field, message);
        }
      }
    }
    delete input[CSRF_FIELD];
    // The cross-field rules see the posted scalars, and the lists of fields the schema declares as lists
    // (checkbox groups); a field repeated where one value is expected, refused by the schema already, is left out.
    const scalars = Object.fromEntries(Object.entries(input).filter(([name, value]) => value === null || typeof value !== 'object'
      || (Array.isArray(value) && (properties[name] as { type?: unknown } | undefined)?.type === 'array')));
    const crossErrors = definition.crossCheck?.(scalars as Partial<T>, t) ?? {};
    for (const [field, messages] of Object.entries(crossErrors)) {
      if (errors[field]?.length) continue;
      for (const message of messages) addError(errors, field, message);
    }
    if (Object.keys(errors).length) return { ok: false, errors: inOrder(errors, Object.keys(properties)) };
    return { ok: true, value: input as T };
  };
}

function fieldOf(error: ErrorObject): string {
  if (error.keyword === 'required') return (error.params as { missingProperty: string }).missingProperty;
  if (error.keyword === 'additionalProperties') return (error.params as { additionalProperty: string }).additionalProperty;
  return error.instancePath.split('/')[1] ?? '';
}

function messageFor(error: ErrorObject, field: string, t: Translate<CommonTextKey>, choice: boolean): string {
  switch (error.keyword) {
    case 'required':
      return t(choice ? 'field.choose' : 'field.required', { field });
    case 'minLength':
      return (error.params as { limit: number }).limit <= 1 ? t(choice ? 'field.choose' : 'field.required', { field }) : t('field.invalid', { field });
    case 'maxLength':
      return t('field.too_long', { field, limit: (error.params as { limit: number }).limit });
    case 'format':
      return (error.params as { format: string }).format === 'email' ? t('field.email_invalid') : t('field.invalid', { field });
    case 'enum':
      return t(choice ? 'field.choose' : 'field.invalid', { field });
    default:
      return t('field.invalid', { field });
  }
}

/** The messages in the order of the form's fields (the summary lists them as the page shows them), then any others. */
export function inOrder(errors: FieldErrors, order: readonly string[]): FieldErrors {
  const sorted: FieldErrors = {};
  for (const field of order) if (errors[field]) sorted[field] = errors[field];
  for (const [field, messages] of Object.entries(errors)) sorted[field] ??= messages;
  return sorted;
}

/** Adds a message to a field (for rules beyond the schema, such as 確認 matching). */
export function addError(errors: FieldErrors, field: string, message: string): FieldErrors {
  (errors[field] ??= []).push(message);
  return errors;
}
