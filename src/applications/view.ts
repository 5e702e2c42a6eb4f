import type { Lang } from '../config/types.js';
import type { CatalogueEntryRow } from '../db/entities.js';
import type { Translate } from '../web/texts.js';
import type { ApplicationTextKey } from './texts.js';
import { catalogueLabel, catalogueSelects, type CatalogueSelects } from './catalogue.js';
import { displayDate } from './dates.js';
import { FIELD_SPECS, type FormFieldName } from './form.js';

export interface FieldView {
  name: string;
  label: string;
  required: boolean;
  input: 'text' | 'tel' | 'select' | 'radio' | 'catalogue';
  options?: Array<{ value: string; label: string }>;
  hint?: string;
  autocomplete?: string;
  inputmode?: string;
  maxlength?: number;
  postalSearch?: 'home' | 'work';
  /** The 大学名 → 学部名 → 学科名 selects for the page's values (input 'catalogue'). */
  catalogue?: (values: Record<string, unknown>) => CatalogueSelects;
  /** The catalogue for the in-place filtering script (JSON in the page). */
  catalogueData?: string;
  /** How the stored value is shown in the input (dates as the manual writes them). */
  display?: (value: string) => string;
}

export interface SectionView { title: string; fields: FieldView[] }

const SECTIONS: Array<{ title: ApplicationTextKey; fields: FormFieldName[] }> = [
  { title: 'apply.section.applicant', fields: ['kind', 'name_kanji', 'name_kana', 'name_romaji', 'gender', 'birth_date', 'last_enrolled_month'] },
  { title: 'apply.section.enrolment', fields: ['enrolled_name_kanji', 'enrolled_name_kana', 'enrolled_name_romaji', 'catalogue_id', 'faculty_text', 'student_number', 'graduated_month', 'leaving_type'] },
  { title: 'apply.section.home', fields: ['home_postal_code', 'home_prefecture', 'home_city', 'home_street', 'home_building', 'home_phone', 'mobile_phone'] },
  { title: 'apply.section.work', fields: ['work_name', 'work_postal_code', 'work_prefecture', 'work_city', 'work_street', 'work_building', 'work_phone'] },
];

/** How each visible field of the application form is drawn (labels, input kinds, choices). */
export function applicationSections(t: Translate<ApplicationTextKey>, visible: readonly FormFieldName[], catalogue: CatalogueEntryRow[]): SectionView[] {
  const shown = new Set(visible);
  const view = (name: FormFieldName): FieldView => {
    const spec = FIELD_SPECS[name];
    const base: FieldView = { name, label: t(spec.label), required: Boolean(spec.required), input: 'text', maxlength: (spec.schema.maxLength as number | undefined) ?? 100 };
    if (name === 'kind') return { ...base, input: 'radio', options: [{ value: 'new', label: t('apply.kind.new') }, { value: 'change', label: t('apply.kind.change') }] };
    if (name === 'gender') {
      return { ...base, input: 'select', options: [{ value: '', label: t('apply.catalogue_choose') }, ...(['male', 'female', 'other', 'unspecified'] as const).map((g) => ({ value: g, label: t(`apply.gender.${g}`) }))] };
    }
    if (name === 'leaving_type') {
      return { ...base, input: 'radio', options: (['graduated', 'withdrawn', 'expelled'] as const).map((v) => ({ value: v, label: t(`apply.leaving.${v}`) })) };
    }
    if (name === 'catalogue_id') {
      return {
        ...base, label: t('apply.catalogue'), input: 'catalogue', hint: t('apply.catalogue_hint'),
        options: [{ value: '', label: t('apply.catalogue_choose') }, ...catalogue.map((e) => ({ value: e.id, label: catalogueLabel(e) }))],
        catalogue: (values) => catalogueSelects(catalogue, values),
        // Inside <script type="application/json">: "<" escaped so that no text can close the element.
        catalogueData: JSON.stringify(catalogue.map((e) => ({ id: e.id, u: e.university, f: e.faculty, d: e.department }))).replace(/</g, '\\u003c'),
      };
    }
    if (name === 'birth_date') return { ...base, hint: t('apply.date_hint'), autocomplete: 'bday', maxlength: 20, display: displayDate };
    if (name.endsWith('_month')) return { ...base, hint: t('apply.month_hint'), maxlength: 20 };
    if (name.endsWith('name_kanji') || name.endsWith('name_kana') || name.endsWith('name_romaji')) {
      return { ...base, hint: t('apply.name_hint'), autocomplete: name === 'name_kanji' ? 'name' : 'off' };
    }
    if (name.endsWith('postal_code')) {
      return { ...base, input: 'text', inputmode: 'numeric', maxlength: 8, hint: t('apply.postal_hint'), autocomplete: name === 'home_postal_code' ? 'postal-code' : 'off', postalSearch: name.startsWith('home') ? 'home' : 'work' };
    }
    if (name.endsWith('phone')) return { ...base, input: 'tel', inputmode: 'tel', autocomplete: name === 'mobile_phone' ? 'tel' : 'off' };
    if (name === 'student_number') return { ...base, autocomplete: 'off', inputmode: 'text' };
    return base;
  };
  return SECTIONS
    .map((section) => ({ title: t(section.title), fields: section.fields.filter((f) => shown.has(f)).map(view) }))
    .filter((section) => section.fields.length > 0);
}

/** The confirmation screen: label and the value as the applicant will recognise it. */
export function applicationSummary(sections: SectionView[], form: Record<string, string>): Array<{ title: string; rows: Array<{ label: string; value: string }> }> {
  return sections.map((section) => ({
    title: section.title,
    rows: section.fields.map((field) => {
      const raw = form[field.name] ?? '';
      const option = field.options?.find((o) => o.value === raw);
      return { label: field.label, value: raw === '' ? '' : option?.label ?? field.display?.(raw) ?? raw };
    }),
  }));
}

/** The captions an applicant may give an image of the identity document (stored as the key). */
export const DOCUMENT_CAPTIONS = {
  front: { ja: '表面', en: 'Front' },
  back: { ja: '裏面', en: 'Back' },
  other: { ja: 'その他', en: 'Other' },
} as const satisfies Record<string, Record<Lang, string>>;
export type DocumentCaption = keyof typeof DOCUMENT_CAPTIONS;

export function isDocumentCaption(value: unknown): value is DocumentCaption {
  return typeof value === 'string' && Object.hasOwn(DOCUMENT_CAPTIONS, value);
}

/**
 * The label of an image of the identity document, wherever it is shown (the applicant's pages, the
 * staff review): the caption the applicant chose, else one by order — 表面, 裏面, then 画像N.
 */
export function documentCaption(document: { caption?: string | null }, index: number, lang: Lang = 'ja'): string {
  if (isDocumentCaption(document.caption)) return DOCUMENT_CAPTIONS[document.caption][lang];
  if (index === 0) return DOCUMENT_CAPTIONS.front[lang];
  if (index === 1) return DOCUMENT_CAPTIONS.back[lang];
  return lang === 'ja' ? `画像${index + 1}` : `Image ${index + 1}`;
}
