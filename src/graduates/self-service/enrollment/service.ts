import type { Lang } from '../../../config/types.js';
import type { AccountRow, ApplicationRow } from '../../../db/entities.js';
import type { Services } from '../../../services.js';
import type { ApplicationForm } from '../../../applications/fields.js';
import { hasEnrollment } from '../../../applications/enrollments.js';
import { SELF_SERVICE_PATHS } from '../../../applications/paths.js';
import { applicantMayEdit } from '../../../applications/state-machine.js';
import { applicationOfKey, checkApplicationKey, openApplication, saveApplicationForm, startApplication, submitByApplicant, type CheckedApplication, type OpenedApplication } from '../../applicant.js';
import { graduateMails } from '../../mails.js';

// G5 学籍番号追加登録 (DESIGN §2.2 G5; manual 002 §2.3): a signed-in graduate asks for a mailed URL,
// fills in the enrolment (学籍番号 etc.) and submits it for staff to approve. Plain functions over the
// services they name; routes.ts only parses and renders.

/**
 * 送信: a draft application (purpose 'enrollment') for the signed-in graduate's account and a mail
 * 学籍番号追加 with its one-time URL to the account's address.
 */
export async function requestEnrollment(
  services: Pick<Services, 'applications' | 'config' | 'database' | 'sendMail' | 'mailBranding' | 'audit'>,
  input: { account: AccountRow; lang: Lang; ip: string },
): Promise<{ kind: 'sent' | 'limited' }> {
  const email = input.account.email!;
  const started = await startApplication(services, {
    purpose: 'enrollment', email, lang: input.lang, accountId: input.account.id, continuePath: SELF_SERVICE_PATHS.enrollmentContinue,
  });
  if (started.kind === 'limited') return started;
  await services.sendMail(email, graduateMails.enrollmentStart(input.lang, services.mailBranding, started.url, started.minutes));
  await services.audit.record('application.requested', { accountId: input.account.id, ip: input.ip, detail: { applicationId: started.application.id, purpose: 'enrollment' } });
  return { kind: 'sent' };
}

/** The mailed URL's landing page: the application of its key, which is not used up. */
export function checkEnrollmentKey(services: Pick<Services, 'applications'>, mailedKey: unknown): Promise<CheckedApplication> {
  return checkApplicationKey(services, mailedKey, 'enrollment');
}

/** The landing page's button: the mailed key is used up (no replay) and replaced by a longer-lived one for a cookie. */
export function openEnrollment(services: Pick<Services, 'applications' | 'config'>, mailedKey: unknown): Promise<OpenedApplication> {
  return openApplication(services, mailedKey, 'enrollment');
}

export type CurrentEnrollment = { kind: 'ok'; application: ApplicationRow; account: AccountRow } | { kind: 'expired' | 'none' | 'closed' };

/** The application of the cookie (the key proves the account's address) and its graduate's account. */
export async function currentEnrollment(services: Pick<Services, 'applications' | 'accounts'>, key: string | undefined): Promise<CurrentEnrollment> {
  const keyed = await applicationOfKey(services, key);
  if (keyed.kind !== 'ok') return keyed;
  const found = keyed.application;
  if (found.purpose !== 'enrollment' || !found.accountId) return { kind: 'none' };
  const account = await services.accounts.findById(found.accountId);
  if (!account || account.locked || account.userType !== 'graduate') return { kind: 'none' };
  if (!applicantMayEdit(found.status)) return { kind: 'closed' };
  return { kind: 'ok', application: found, account };
}

/** The student number is new to the account (its university's, as the catalogue choice resolved it). */
function alreadyLinked(account: AccountRow, form: ApplicationForm): boolean {
  return hasEnrollment(account, { university: form.university ?? '', student_number: form.student_number ?? '' });
}

export type SavedEnrollment = { kind: 'ok' | 'closed' | 'unknown_catalogue' | 'already_linked' };

/** Saves the form (the catalogue choice resolved); a student number the account already has is refused. */
export async function saveEnrollmentForm(
  services: Pick<Services, 'applications' | 'database'>, application: ApplicationRow, account: AccountRow, form: ApplicationForm,
): Promise<SavedEnrollment> {
  const saved = await saveApplicationForm(services, application, form);
  if (saved.kind !== 'ok') return saved;
  return { kind: alreadyLinked(account, saved.form) ? 'already_linked' : 'ok' };
}

/**
 * 申請: the draft (or a returned application) goes to the staff queue and the applicant's access
 * ends — unless the account got this student number meanwhile.
 */
export async function submitEnrollment(
  services: Pick<Services, 'applications' | 'audit'>, application: ApplicationRow, account: AccountRow, ip: string,
): Promise<{ kind: 'submitted' | 'unchanged' | 'already_linked' }> {
  if (alreadyLinked(account, application.form ?? {})) return { kind: 'already_linked' };
  const action = await submitByApplicant(services, application);
  if (!action) return { kind: 'unchanged' };
  await services.audit.record(action === 'submit' ? 'application.submitted' : 'application.resubmitted', {
    accountId: application.accountId, ip, detail: { applicationId: application.id, purpose: 'enrollment' },
  });
  return { kind: 'submitted' };
}
