import type { ApplicationStatus } from '../db/entities.js';

// The life of an application (DESIGN §2.2 G1/G2): plain rules that the applicant's pages, the staff
// console and the tests all use.

export type ApplicationAction = 'submit' | 'request_resubmission' | 'resubmit' | 'approve' | 'reject';

const transitions: Record<ApplicationAction, { from: ApplicationStatus[]; to: ApplicationStatus }> = {
  submit: { from: ['draft'], to: 'submitted' },
  request_resubmission: { from: ['submitted', 'resubmitted'], to: 'resubmission_requested' },
  resubmit: { from: ['resubmission_requested'], to: 'resubmitted' },
  approve: { from: ['submitted', 'resubmitted'], to: 'approved' },
  reject: { from: ['submitted', 'resubmitted'], to: 'rejected' },
};

/** The status an action leads to, or undefined when the action is not allowed in this status. */
export function nextStatus(current: ApplicationStatus, action: ApplicationAction): ApplicationStatus | undefined {
  const rule = transitions[action];
  return rule.from.includes(current) ? rule.to : undefined;
}

/** Statuses in which staff have to decide. */
export const AWAITING_REVIEW: ApplicationStatus[] = ['submitted', 'resubmitted'];

/** Statuses in which the applicant may edit the form and its documents. */
export function applicantMayEdit(status: ApplicationStatus): boolean {
  return status === 'draft' || status === 'resubmission_requested';
}

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
