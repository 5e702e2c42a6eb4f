import { createHash } from 'node:crypto';
import type { GraduatesConfig } from '../config/types.js';
import type { EntityManager } from 'typeorm';
import { withNamedLock, type LockScope } from '../db/named-lock.js';
import type { AccountRow, Enrollment } from '../db/entities.js';
import type { Services } from '../services.js';
import { visibleFields, type FormFieldName } from './form.js';

// Student numbers (学籍番号) on accounts: what G5 asks for, and the rule that a student number is never
// attached to two accounts (the staff console checks it before approving).

/** The enrolment items of the application form that G5 asks for (manual §2.3 steps 7–9). */
const ENROLLMENT_FIELDS: FormFieldName[] = [
  'enrolled_name_kanji', 'enrolled_name_kana', 'enrolled_name_romaji', 'catalogue_id', 'student_number', 'graduated_month', 'leaving_type',
];

/** The G5 form's fields in this deployment ("入力項目は利用環境により異なります"). */
export function enrollmentFields(graduates: GraduatesConfig): FormFieldName[] {
  const visible = new Set(visibleFields(graduates));
  return ENROLLMENT_FIELDS.filter((f) => visible.has(f));
}

/** The same student number of the same university. */
export function sameEnrollment(a: Pick<Enrollment, 'university' | 'student_number'>, b: Pick<Enrollment, 'university' | 'student_number'>): boolean {
  return Boolean(a.student_number) && a.student_number === b.student_number && a.university === b.university;
}

/**
 * The accounts other than `exceptAccountId` whose enrolments hold this student number of this
 * university. A student number found there is never attached to another account automatically.
 */
export async function enrollmentHolders(
  services: Pick<Services, 'database'>, enrollment: Pick<Enrollment, 'university' | 'student_number'>, exceptAccountId: string | null,
  manager: EntityManager = services.database.dataSource.manager,
): Promise<AccountRow[]> {
  if (!enrollment.student_number) return [];
  // The JSON is searched as text to narrow the rows, then compared exactly.
  const pattern = `%${enrollment.student_number.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await manager.getRepository(services.database.entities.Account).createQueryBuilder('a')
    .where('a.profile LIKE :pattern', { pattern })
    .getMany();
  return rows.filter((row) => row.id !== exceptAccountId && (row.profile?.enrollments ?? []).some((e) => sameEnrollment(e, enrollment)));
}

/** How long an approval waits for another one of the same student number (which takes milliseconds). */
const STUDENT_NUMBER_LOCK_SECONDS = 10;

/**
 * Runs `work` — the check that no other account holds the student number, and the transaction that
 * attaches it — while no other process runs it for the same number of the same university: of two
 * approvals of one number for two accounts at once, the second then finds the first's account. Every
 * statement of `work` goes through the scope's manager (src/db/named-lock.ts). Throws
 * NamedLockTimeout (src/db/named-lock.ts) when another held it for STUDENT_NUMBER_LOCK_SECONDS.
 */
export function whileStudentNumberLocked<T>(
  services: Pick<Services, 'database'>, enrollment: Pick<Enrollment, 'university' | 'student_number'>, work: (scope: LockScope) => Promise<T>,
): Promise<T> {
  if (!enrollment.student_number) return work({ manager: services.database.dataSource.manager });
  const key = createHash('sha256').update(`${enrollment.university}\0${enrollment.student_number}`).digest('hex').slice(0, 20);
  return withNamedLock(services.database.dataSource, `cert-idp:sn:${key}`, work, { waitSeconds: STUDENT_NUMBER_LOCK_SECONDS });
}

/** True when the graduate's own account already has this enrolment. */
export function hasEnrollment(account: AccountRow, enrollment: Pick<Enrollment, 'university' | 'student_number'>): boolean {
  return (account.profile?.enrollments ?? []).some((e) => sameEnrollment(e, enrollment));
}
