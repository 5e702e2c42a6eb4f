import { normalizeEmail } from '../../accounts/account-store.js';
import { LEAVING_TYPES, splitName, type ApplicationForm, type LeavingType } from '../../applications/fields.js';
import type { AccountProfile, AccountRow, ApplicationRow, Enrollment, PersonalData } from '../../db/entities.js';
import { ReviewError } from '../actions.js';
import type { IssuedPassword } from '../initial-password.js';
import { sameEnrollment } from '../../applications/enrollments.js';

// The account a graduate's application becomes (G2), and the enrolment an additional student number
// adds (G5). An application that lacks what the account needs cannot be approved (incomplete_form).

/** The fields of the form kept on the account as personal data (現住所, 連絡先, 勤務先, 性別, 生年月日). */
export const PERSONAL_FIELDS = [
  'gender', 'birth_date',
  'home_postal_code', 'home_prefecture', 'home_city', 'home_street', 'home_building', 'home_phone', 'mobile_phone',
  'work_name', 'work_postal_code', 'work_prefecture', 'work_city', 'work_street', 'work_building', 'work_phone',
] as const;

export function enrollmentFromForm(form: ApplicationForm): Enrollment {
  const leaving = form.leaving_type as LeavingType | undefined;
  if (!leaving || !Object.hasOwn(LEAVING_TYPES, leaving)) throw new ReviewError('incomplete_form');
  return {
    student_number: form.student_number ?? '',
    university: form.university ?? '',
    faculty: form.faculty ?? '',
    department: form.department ?? '',
    status: LEAVING_TYPES[leaving],
    graduated_on: form.graduated_month || null,
  };
}

export function profileFromForm(form: ApplicationForm): AccountProfile {
  const kanji = (form.name_kanji ?? '').trim();
  if (!kanji) throw new ReviewError('incomplete_form');
  return {
    name: splitName(kanji) ?? { family: kanji, given: '' },
    nameKana: splitName(form.name_kana),
    nameLatin: splitName(form.name_romaji),
    enrollments: [enrollmentFromForm(form)],
  };
}

export function personalFromForm(form: ApplicationForm): PersonalData {
  const personal: PersonalData = {};
  for (const field of PERSONAL_FIELDS) {
    const value = form[field];
    if (value) personal[field] = value;
  }
  return personal;
}

export function graduateAccountFromApplication(application: ApplicationRow, id: string, issued: Pick<IssuedPassword, 'hash' | 'expiresAt'>): AccountRow {
  const form = (application.form ?? {}) as ApplicationForm;
  const now = new Date();
  return {
    id,
    userType: 'graduate',
    directoryId: null,
    email: normalizeEmail(application.email),
    emailVerified: true,
    secondPasswordHash: null,
    profile: profileFromForm(form),
    locale: application.lang === 'en' ? 'en' : 'ja',
    createdAt: now,
    updatedAt: now,
    passwordHash: issued.hash,
    passwordIsInitial: true,
    passwordExpiresAt: issued.expiresAt,
    termsVersion: application.termsVersion,
    termsAcceptedAt: application.termsAcceptedAt,
    personal: personalFromForm(form),
    locked: false,
  };
}

/** The profile with an additional enrolment (replacing one of the same student number and university). */
export function withEnrollment(profile: AccountProfile | null | undefined, enrollment: Enrollment): AccountProfile {
  const enrollments = (profile?.enrollments ?? []).filter((e) => !sameEnrollment(e, enrollment));
  return { ...(profile ?? { name: { family: '', given: '' } }), enrollments: [...enrollments, enrollment] };
}
