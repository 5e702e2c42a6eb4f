// The items of an application form (申請者情報) and how their values are read.

/** Form keys of an application (申請者情報). Values are strings as typed (normalised). */
export const APPLICATION_FIELDS = [
  'kind',
  'name_kanji', 'name_kana', 'name_romaji',
  'gender', 'birth_date', 'last_enrolled_month',
  'enrolled_name_kanji', 'enrolled_name_kana', 'enrolled_name_romaji',
  'catalogue_id', 'university', 'faculty', 'department', 'faculty_text',
  'student_number', 'graduated_month', 'leaving_type',
  'home_postal_code', 'home_prefecture', 'home_city', 'home_street', 'home_building', 'home_phone', 'mobile_phone',
  'work_name', 'work_postal_code', 'work_prefecture', 'work_city', 'work_street', 'work_building', 'work_phone',
  'document_type',
] as const;

export type ApplicationField = (typeof APPLICATION_FIELDS)[number];
export type ApplicationForm = Partial<Record<ApplicationField, string>>;

/** 卒業/退学/除籍 → the enrolment status the relying party receives. */
export const LEAVING_TYPES = { graduated: 'graduated', withdrawn: 'withdrawn', expelled: 'expelled' } as const;
export type LeavingType = keyof typeof LEAVING_TYPES;

/** "family given" → its two parts (the form asks for a space between them). */
export function splitName(full: string | undefined): { family: string; given: string } | undefined {
  if (!full) return undefined;
  const [family, ...rest] = full.trim().split(/\s+/);
  if (!family || rest.length === 0) return undefined;
  return { family, given: rest.join(' ') };
}
