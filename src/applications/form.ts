import type { JSONSchemaType } from 'ajv';
import type { GraduatesConfig, OptionalApplicationField } from '../config/types.js';
import { defineForm, addError, inOrder } from '../web/forms.js';
import type { ApplicationTextKey } from './texts.js';
import type { ApplicationField, ApplicationForm } from './fields.js';
import { catalogueSelects } from './catalogue.js';
import type { CatalogueEntryRow } from '../db/entities.js';
import { normalizeDate, normalizeYearMonth } from './dates.js';

// The application form (manual 002 §2.1 steps 9–12; DESIGN §2.2 G1): which items appear depends on
// the configuration ("入力項目は利用環境により異なります"); the required ones (必須) always appear.

interface FieldSpec {
  label: ApplicationTextKey;
  group?: OptionalApplicationField;
  required?: boolean;
  /** A JSON-schema fragment for the value. */
  schema: Record<string, unknown>;
  message?: ApplicationTextKey;
}

const kanjiName = { type: 'string', maxLength: 60, pattern: '^\\S+( \\S+)+$' };
const kanaName = { type: 'string', maxLength: 60, pattern: '^[ァ-ヶー・]+( [ァ-ヶー・]+)+$' };
const romajiName = { type: 'string', maxLength: 60, pattern: "^[A-Za-z][A-Za-z'.-]*( [A-Za-z][A-Za-z'.-]*)+$" };
const month = { type: 'string', pattern: '^(19|20)\\d{2}-(0[1-9]|1[0-2])$' };
const postal = { type: 'string', pattern: '^\\d{3}-\\d{4}$' };
const phone = { type: 'string', maxLength: 20, pattern: '^[0-9][0-9-]{5,19}$' };
const text = (max: number) => ({ type: 'string', maxLength: max });

export const FIELD_SPECS: Record<Exclude<ApplicationField, 'university' | 'faculty' | 'department' | 'document_type'>, FieldSpec> = {
  kind: { label: 'apply.kind', required: true, schema: { enum: ['new', 'change'] }, message: 'apply.error.choice' },
  name_kanji: { label: 'apply.name_kanji', required: true, schema: kanjiName, message: 'apply.error.name_space' },
  name_kana: { label: 'apply.name_kana', required: true, schema: kanaName, message: 'apply.error.kana' },
  name_romaji: { label: 'apply.name_romaji', required: true, schema: romajiName, message: 'apply.error.romaji' },
  gender: { label: 'apply.gender', group: 'gender', schema: { enum: ['', 'male', 'female', 'other', 'unspecified'] }, message: 'apply.error.choice' },
  birth_date: { label: 'apply.birth_date', required: true, schema: { type: 'string', format: 'date' }, message: 'apply.error.date' },
  last_enrolled_month: { label: 'apply.last_enrolled_month', required: true, schema: month, message: 'apply.error.month' },
  enrolled_name_kanji: { label: 'apply.enrolled_name_kanji', group: 'enrolledName', schema: kanjiName, message: 'apply.error.name_space' },
  enrolled_name_kana: { label: 'apply.enrolled_name_kana', group: 'enrolledName', schema: kanaName, message: 'apply.error.kana' },
  enrolled_name_romaji: { label: 'apply.enrolled_name_romaji', group: 'enrolledName', schema: romajiName, message: 'apply.error.romaji' },
  catalogue_id: { label: 'apply.department', required: true, schema: { type: 'string', pattern: '^[0-9a-f-]{36}$' }, message: 'apply.error.choice' },
  faculty_text: { label: 'apply.faculty_text', group: 'facultyText', schema: text(100) },
  student_number: { label: 'apply.student_number', group: 'studentNumber', schema: { type: 'string', maxLength: 20, pattern: '^[A-Za-z0-9-]+$' }, message: 'apply.error.student_number' },
  graduated_month: { label: 'apply.graduated_month', group: 'graduatedMonth', schema: month, message: 'apply.error.month' },
  leaving_type: { label: 'apply.leaving_type', required: true, schema: { enum: ['graduated', 'withdrawn', 'expelled'] }, message: 'apply.error.choice' },
  home_postal_code: { label: 'apply.postal_code', group: 'homeAddress', schema: postal, message: 'apply.postal_invalid' },
  home_prefecture: { label: 'apply.prefecture', group: 'homeAddress', schema: text(10) },
  home_city: { label: 'apply.city', group: 'homeAddress', schema: text(60) },
  home_street: { label: 'apply.street', group: 'homeAddress', schema: text(100) },
  home_building: { label: 'apply.building', group: 'homeAddress', schema: text(100) },
  home_phone: { label: 'apply.phone', group: 'homePhone', schema: phone, message: 'apply.error.phone' },
  mobile_phone: { label: 'apply.mobile_phone', group: 'mobilePhone', schema: phone, message: 'apply.error.phone' },
  work_name: { label: 'apply.work_name', group: 'workplace', schema: text(100) },
  work_postal_code: { label: 'apply.postal_code', group: 'workplace', schema: postal, message: 'apply.postal_invalid' },
  work_prefecture: { label: 'apply.prefecture', group: 'workplace', schema: text(10) },
  work_city: { label: 'apply.city', group: 'workplace', schema: text(60) },
  work_street: { label: 'apply.street', group: 'workplace', schema: text(100) },
  work_building: { label: 'apply.building', group: 'workplace', schema: text(100) },
  work_phone: { label: 'apply.phone', group: 'workplace', schema: phone, message: 'apply.error.phone' },
};

export type FormFieldName = keyof typeof FIELD_SPECS;

/** The fields this deployment shows, in the order of the form. */
export function visibleFields(graduates: GraduatesConfig): FormFieldName[] {
  return (Object.keys(FIELD_SPECS) as FormFieldName[]).filter((name) => {
    const spec = FIELD_SPECS[name];
    return spec.required || (spec.group !== undefined && graduates.optionalFields.includes(spec.group));
  });
}

/**
 * Text as the applicant meant it: NFKC (full-width letters and digits, half-width katakana, the
 * ideographic space), runs of white space folded into one, and 〒-style postal codes and phone
 * numbers without stray characters.
 */
export function normalizeApplicationInput(raw: Record<string, unknown>, fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields) {
    const value = raw[field];
    if (typeof value !== 'string') continue;
    let v = value.normalize('NFKC').replace(/\s+/g, ' ').trim();
    if (field.endsWith('postal_code')) v = v.replace(/^〒/, '').replace(/^(\d{3})(\d{4})$/, '$1-$2').replace(/[‐－ー−]/g, '-');
    if (field.endsWith('phone')) v = v.replace(/[‐－ー−]/g, '-');
    if (field.endsWith('name_romaji')) v = v.toUpperCase();
    if (field === 'birth_date') v = normalizeDate(v);
    if (field.endsWith('_month')) v = normalizeYearMonth(v);
    out[field] = v;
  }
  return out;
}

export function applicationFormValidator(graduates: GraduatesConfig) {
  return formValidatorFor(visibleFields(graduates));
}

/**
 * The validator of any subset of the application's fields (the additional student number of G5 and
 * the personal data of G6 reuse the specs of G1): the same rules, labels and messages.
 */
export function formValidatorFor(fields: FormFieldName[]) {
  const properties: Record<string, unknown> = {};
  const labels: Record<string, ApplicationTextKey> = {};
  const messages: Record<string, ApplicationTextKey> = {};
  for (const name of fields) {
    const spec = FIELD_SPECS[name];
    properties[name] = spec.required && spec.schema.type === 'string' ? { ...spec.schema, minLength: 1 } : spec.schema;
    labels[name] = spec.label;
    if (spec.message) messages[name] = spec.message;
  }
  const validate = defineForm<ApplicationForm, ApplicationTextKey>({
    schema: {
      type: 'object',
      properties,
      required: fields.filter((name) => FIELD_SPECS[name].required),
      additionalProperties: true,
    } as unknown as JSONSchemaType<ApplicationForm>,
    labels: labels as never,
    messages: messages as never,
    choices: fields.filter((name) => FIELD_SPECS[name].message === 'apply.error.choice') as never,
    crossCheck: (value, t) => {
      if (typeof value.birth_date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.birth_date) && value.birth_date > new Date().toISOString().slice(0, 10)) {
        return addError({}, 'birth_date', t('apply.error.past', { field: t('apply.birth_date') }));
      }
      return undefined;
    },
  });
  const optional = new Set(fields.filter((name) => !FIELD_SPECS[name].required));
  /**
   * Normalises, drops optional items left empty (a value, once given, must be right), validates.
   * With the catalogue, the 大学名 → 学部名 → 学科名 selects are read too: a 学科 outside the chosen 大学/学部
   * is not chosen, and a missing choice is told on the first select that lacks one.
   */
  return {
    fields,
    validate(raw: Record<string, unknown>, t: Parameters<typeof validate>[1], catalogue?: ReadonlyArray<Pick<CatalogueEntryRow, 'id' | 'university' | 'faculty' | 'department'>>) {
      const input = normalizeApplicationInput(raw, fields);
      for (const name of optional) if (input[name] === '') delete input[name];
      const selects = catalogue && fields.includes('catalogue_id') ? catalogueSelects(catalogue, raw) : undefined;
      if (selects) {
        input.catalogue_id = selects.entryId;
        input.catalogue_university = selects.university;
        input.catalogue_faculty = selects.faculty;
      }
      const result = validate(input, t);
      if (selects && !result.ok && result.errors.catalogue_id && !selects.entryId) {
        const missing = !selects.university ? ['catalogue_university', 'apply.university'] as const
          : !selects.faculty ? ['catalogue_faculty', 'apply.faculty'] as const : undefined;
        if (missing) {
          const order = Object.keys(result.errors).map((name) => (name === 'catalogue_id' ? missing[0] : name));
          result.errors[missing[0]] = [t('field.choose', { field: t(missing[1]) })];
          delete result.errors.catalogue_id;
          result.errors = inOrder(result.errors, order);
        }
      }
      return { result, input };
    },
  };
}
