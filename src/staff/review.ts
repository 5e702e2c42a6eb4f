import { randomInt, randomUUID } from 'node:crypto';
import { IsNull, QueryFailedError } from 'typeorm';
import { normalizeEmail } from '../accounts/account-store.js';
import type { PasswordPolicy } from '../config/types.js';
import type {
  AccountProfile, AccountRow, ApplicationRow, ApplicationStatus, Enrollment, PersonalData,
} from '../db/entities.js';
import { LEAVING_TYPES, splitName, type ApplicationForm, type LeavingType } from '../graduates/application-rules.js';
import { ApplicationStateError, ApplicationStore } from '../graduates/application-store.js';
import { graduateLoginUrl } from '../graduates/links.js';
import { enrollmentHolders, groupOf, SELF_SERVICE_PATHS, writePersonalData } from '../graduates/self-service.js';
import { selfServiceTranslator } from '../graduates/self-service-i18n.js';
import { logger } from '../logger.js';
import { mailTemplates, type MailContent } from '../mail/templates.js';
import { destroySessionsOf } from '../oidc/adapter.js';
import { checkPasswordPolicy } from '../passwords/policy.js';
import type { Services } from '../services.js';
import { staffMails } from './mail.js';

// The staff decisions (DESIGN §2.2 G2, G5, G8; §2.3). Plain functions over the services: the console's
// handlers only parse and render, and the tests call these directly.
//
// Concurrency: ApplicationStore.transition moves an application only from the status it was read in,
// so of two decisions on one application the first wins and the second gets ApplicationStateError
// before it changes anything else. Everything slow (hashing the initial password) happens before it.

export type ReviewProblem =
  | 'not_found'
  | 'email_taken'
  | 'account_required'
  | 'account_not_graduate'
  | 'incomplete_form'
  | 'comment_required'
  | 'not_initial'
  | 'no_email'
  | 'student_number_taken'
  | 'not_applicable';

/** A decision that cannot be made as asked; the console shows a message for each problem. */
export class ReviewError extends Error {
  override name = 'ReviewError';
  constructor(readonly problem: ReviewProblem) {
    super(problem);
  }
}

export { ApplicationStateError };

export interface StaffActor { id: string; ip?: string | null }

export interface DecisionResult {
  status: ApplicationStatus;
  accountId?: string;
  /** False when the mail could not even be queued: the page must not say it was sent. */
  mailQueued: boolean;
}

const COMMENT_MAX = 2000;

// Initial passwords: 12 characters of upper case, lower case and digits without the ones that are
// easily misread (0/O/o, 1/l/I), at least one of each kind; checked against the password policy.
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const DIGITS = '23456789';

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)]!;
}

export function generateInitialPassword(policy: PasswordPolicy, length = 12): string {
  const size = Math.min(Math.max(length, policy.minLength), policy.maxLength);
  const all = UPPER + LOWER + DIGITS;
  for (;;) {
    const chars = [pick(UPPER), pick(LOWER), pick(DIGITS)];
    while (chars.length < size) chars.push(pick(all));
    for (let i = chars.length - 1; i > 0; i -= 1) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j]!, chars[i]!];
    }
    const candidate = chars.join('');
    if (!checkPasswordPolicy(candidate, policy).length) return candidate;
  }
}

interface IssuedPassword { password: string; hash: string; expiresAt: Date }

async function issueInitialPassword(services: Services): Promise<IssuedPassword> {
  const policy = services.config.passwordPolicy.password ?? services.config.passwordPolicy.secondPassword;
  const password = generateInitialPassword(policy);
  const days = services.config.graduates?.initialPasswordDays ?? 14;
  return { password, hash: await services.hasher.hash(password), expiresAt: new Date(Date.now() + days * 86400_000) };
}

function applications(services: Services): ApplicationStore {
  return new ApplicationStore(services.database);
}

function accountRows(services: Services) {
  return services.database.dataSource.getRepository(services.database.entities.Account);
}

function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = (error as QueryFailedError & { driverError?: { code?: string; message?: string } }).driverError;
  return driverError?.code === 'ER_DUP_ENTRY' || /UNIQUE constraint failed/.test(driverError?.message ?? error.message);
}

/** Queues a mail; false (and logged, without the content) when even that failed. */
async function queueMail(services: Services, to: string, content: MailContent): Promise<boolean> {
  try {
    await services.sendMail(to, content);
    return true;
  } catch (error) {
    logger.error({ err: (error as Error).name, subject: content.subject }, 'staff decision: mail could not be queued');
    return false;
  }
}

async function loadApplication(services: Services, applicationId: string): Promise<ApplicationRow> {
  const application = await applications(services).findById(applicationId);
  if (!application || application.status === 'draft') throw new ReviewError('not_found');
  return application;
}

function requiredComment(text: string | undefined): string {
  const comment = (text ?? '').normalize('NFC').replace(/\r\n?/g, '\n').trim();
  if (!comment || comment.length > COMMENT_MAX) throw new ReviewError('comment_required');
  return comment;
}

/**
 * An approved step that could not be completed (the account could not be written): the application
 * goes back to the status it was in, with a trace in its history, so that staff can decide again.
 */
async function revertApproval(services: Services, application: ApplicationRow): Promise<void> {
  const rows = services.database.dataSource.getRepository(services.database.entities.Application);
  await rows.update({ id: application.id, status: 'approved' }, {
    status: application.status, accountId: application.accountId, decidedBy: application.decidedBy, decidedAt: application.decidedAt,
    staffComment: application.staffComment, updatedAt: new Date(),
  });
  await applications(services).recordEvent(application.id, 'system', null, 'approval_reverted');
}

// The account a graduate's application becomes -------------------------------------------------------

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

// Decisions --------------------------------------------------------------------------------------------

/**
 * 承認. A 新規 account application creates the graduate account and mails 利用申請結果のお知らせ with the
 * initial password. A 変更 application (G8) needs `accountId`: the existing graduate account staff
 * matched it to — accounts are never linked automatically. An additional student number (G5) is added
 * to the applicant's account.
 */
export async function approveApplication(services: Services, actor: StaffActor, input: { applicationId: string; accountId?: string | null }): Promise<DecisionResult> {
  const application = await loadApplication(services, input.applicationId);
  if (application.purpose === 'enrollment') return approveEnrollment(services, actor, application);
  if (application.purpose === 'personal') return approvePersonal(services, actor, application);
  if (application.kind === 'change') return approveChange(services, actor, application, input.accountId ?? null);
  return approveNew(services, actor, application);
}

async function approveNew(services: Services, actor: StaffActor, application: ApplicationRow): Promise<DecisionResult> {
  if (!(await services.accounts.emailAvailableFor('', application.email))) throw new ReviewError('email_taken');
  const accountId = randomUUID();
  const issued = await issueInitialPassword(services);
  const account = graduateAccountFromApplication(application, accountId, issued);
  const status = await applications(services).transition(application, 'approve', { type: 'staff', id: actor.id }, { accountId });
  try {
    await accountRows(services).insert(account);
  } catch (error) {
    await revertApproval(services, application);
    if (isDuplicateKey(error)) throw new ReviewError('email_taken');
    throw error;
  }
  const mailQueued = await queueMail(services, account.email!, staffMails.approved(services.langOf(application.lang), services.mailBranding, {
    password: issued.password, expiresAt: issued.expiresAt, loginUrl: graduateLoginUrl(services.config),
  }));
  await services.audit.record('application.approved', {
    accountId, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, kind: 'new', mailQueued },
  });
  await services.audit.record('initial_password.issued', { accountId, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, mailQueued } });
  return { status, accountId, mailQueued };
}

async function approveChange(services: Services, actor: StaffActor, application: ApplicationRow, accountId: string | null): Promise<DecisionResult> {
  if (!accountId) throw new ReviewError('account_required');
  const account = await services.accounts.findById(accountId);
  if (!account || account.userType !== 'graduate') throw new ReviewError('account_not_graduate');
  const newEmail = normalizeEmail(application.email);
  if (!(await services.accounts.emailAvailableFor(account.id, newEmail))) throw new ReviewError('email_taken');
  const issued = await issueInitialPassword(services);
  const status = await applications(services).transition(application, 'approve', { type: 'staff', id: actor.id }, { accountId: account.id });
  try {
    // The first login with the new address then asks for a new password and a new second password (G3).
    await accountRows(services).update({ id: account.id }, {
      email: newEmail, emailVerified: true, passwordHash: issued.hash, passwordIsInitial: true, passwordExpiresAt: issued.expiresAt,
      secondPasswordHash: null, updatedAt: new Date(),
    });
  } catch (error) {
    await revertApproval(services, application);
    if (isDuplicateKey(error)) throw new ReviewError('email_taken');
    throw error;
  }
  await destroySessionsOf(services.database, account.id);
  // Links already mailed to the old address (a reset, an address change) stop working too.
  await services.database.dataSource.getRepository(services.database.entities.OneTimeToken)
    .update({ accountId: account.id, usedAt: IsNull() }, { usedAt: new Date() });
  let oldNotified = true;
  if (account.email && account.email !== newEmail) {
    oldNotified = await queueMail(services, account.email, mailTemplates.emailChangedNotice(services.langOf(account.locale), services.mailBranding));
  }
  const newNotified = await queueMail(services, newEmail, staffMails.approved(services.langOf(application.lang), services.mailBranding, {
    password: issued.password, expiresAt: issued.expiresAt, loginUrl: graduateLoginUrl(services.config), addressChanged: true,
  }));
  // The applicant is whoever holds the new address: that mail is what the page reports on.
  const mailQueued = newNotified;
  await services.audit.record('application.approved', {
    accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, kind: 'change', mailQueued, oldAddressNotified: oldNotified },
  });
  await services.audit.record('email.changed', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, secondPasswordReset: true } });
  await services.audit.record('initial_password.issued', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, mailQueued: newNotified } });
  return { status, accountId: account.id, mailQueued };
}

async function approveEnrollment(services: Services, actor: StaffActor, application: ApplicationRow): Promise<DecisionResult> {
  const account = application.accountId ? await services.accounts.findById(application.accountId) : null;
  if (!account || account.userType !== 'graduate') throw new ReviewError('account_not_graduate');
  const enrollment = enrollmentFromForm((application.form ?? {}) as ApplicationForm);
  // A student number another account already holds is never attached here: staff sort it out.
  if ((await enrollmentHolders(services, enrollment, account.id)).length) throw new ReviewError('student_number_taken');
  const status = await applications(services).transition(application, 'approve', { type: 'staff', id: actor.id }, { accountId: account.id });
  const current = (await services.accounts.findById(account.id))?.profile ?? account.profile;
  const enrollments = (current?.enrollments ?? []).filter((e) => !(e.student_number === enrollment.student_number && e.university === enrollment.university && e.student_number));
  const profile: AccountProfile = { ...(current ?? { name: { family: '', given: '' } }), enrollments: [...enrollments, enrollment] };
  await accountRows(services).update({ id: account.id }, { profile, updatedAt: new Date() });
  const mailQueued = await queueMail(services, account.email ?? application.email, staffMails.enrollmentAdded(services.langOf(application.lang), services.mailBranding, enrollment.student_number));
  await services.audit.record('application.approved', {
    accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, kind: 'enrollment', mailQueued },
  });
  return { status, accountId: account.id, mailQueued };
}

/** G6: a change of reviewed personal data is written to the account only now; the user is told by mail. */
async function approvePersonal(services: Services, actor: StaffActor, application: ApplicationRow): Promise<DecisionResult> {
  const account = application.accountId ? await services.accounts.findById(application.accountId) : null;
  if (!account || account.userType !== 'graduate') throw new ReviewError('account_not_graduate');
  const form = (application.form ?? {}) as ApplicationForm;
  const fields = Object.keys(form);
  if (!fields.length) throw new ReviewError('incomplete_form');
  const status = await applications(services).transition(application, 'approve', { type: 'staff', id: actor.id }, { accountId: account.id });
  await writePersonalData(services, account.id, form);
  const lang = services.langOf(account.locale);
  const t = selfServiceTranslator(lang);
  const groups = [...new Set(fields.map((f) => groupOf(f)).filter((g) => g !== undefined))];
  const mailQueued = await queueMail(services, account.email ?? application.email, mailTemplates.personalDataChanged(lang, services.mailBranding, groups.map((g) => t(`self.group.${g}`))));
  await services.audit.record('application.approved', {
    accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, kind: 'personal', mailQueued },
  });
  await services.audit.record('personal_data.changed', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, fields: fields.join(','), by: 'staff' } });
  return { status, accountId: account.id, mailQueued };
}

/** 却下: the reason is required and mailed to the applicant. */
export async function rejectApplication(services: Services, actor: StaffActor, input: { applicationId: string; reason: string }): Promise<DecisionResult> {
  const reason = requiredComment(input.reason);
  const application = await loadApplication(services, input.applicationId);
  const status = await applications(services).transition(application, 'reject', { type: 'staff', id: actor.id }, { comment: reason });
  const mailQueued = await queueMail(services, application.email, staffMails.rejected(services.langOf(application.lang), services.mailBranding, application.purpose, reason));
  await services.audit.record('application.rejected', {
    accountId: application.accountId, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, mailQueued },
  });
  return { status, mailQueued };
}

/**
 * 再申請の依頼: the comment is required; the applicant gets it with a link (a new access key) that opens
 * the same application for correction and resubmission.
 */
export async function requestResubmission(services: Services, actor: StaffActor, input: { applicationId: string; comment: string }): Promise<DecisionResult> {
  const comment = requiredComment(input.comment);
  const application = await loadApplication(services, input.applicationId);
  // A personal-data change has no form to correct: it is approved or rejected.
  if (application.purpose === 'personal') throw new ReviewError('not_applicable');
  const store = applications(services);
  const status = await store.transition(application, 'request_resubmission', { type: 'staff', id: actor.id }, { comment });
  const days = services.config.graduates?.applicationAccessDays ?? 14;
  const key = await store.issueAccess(application.id, days);
  const path = application.purpose === 'enrollment' ? SELF_SERVICE_PATHS.enrollmentContinue : '/graduates/apply/continue';
  const url = `${services.config.issuer}${path}?key=${encodeURIComponent(key)}`;
  const expiresAt = new Date(Date.now() + days * 86400_000);
  const mailQueued = await queueMail(services, application.email, staffMails.resubmissionRequested(
    services.langOf(application.lang), services.mailBranding, application.purpose, comment, url, expiresAt,
  ));
  await services.audit.record('application.resubmission_requested', {
    accountId: application.accountId, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, mailQueued },
  });
  return { status, mailQueued };
}

// Accounts ---------------------------------------------------------------------------------------------

/**
 * A new initial password for a graduate who has not completed the first login (the initial password
 * is unused or expired): the old one stops working, the new one is mailed with a new expiry.
 */
export async function reissueInitialPassword(services: Services, actor: StaffActor, input: { accountId: string }): Promise<{ mailQueued: boolean; expiresAt: Date }> {
  const account = await services.accounts.findById(input.accountId);
  if (!account || account.userType !== 'graduate') throw new ReviewError('account_not_graduate');
  if (!account.passwordIsInitial) throw new ReviewError('not_initial');
  if (!account.email) throw new ReviewError('no_email');
  const issued = await issueInitialPassword(services);
  const result = await accountRows(services).update({ id: account.id, passwordIsInitial: true }, {
    passwordHash: issued.hash, passwordExpiresAt: issued.expiresAt, updatedAt: new Date(),
  });
  if (result.affected !== 1) throw new ReviewError('not_initial');
  const mailQueued = await queueMail(services, account.email, staffMails.initialPasswordReissued(services.langOf(account.locale), services.mailBranding, {
    password: issued.password, expiresAt: issued.expiresAt, loginUrl: graduateLoginUrl(services.config),
  }));
  await services.audit.record('initial_password.issued', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, reissued: true, mailQueued } });
  return { mailQueued, expiresAt: issued.expiresAt };
}

/** ロック / ロック解除. A locked account cannot sign in, and its sessions end at once. */
export async function setAccountLocked(services: Services, actor: StaffActor, input: { accountId: string; locked: boolean }): Promise<void> {
  const account = await services.accounts.findById(input.accountId);
  if (!account) throw new ReviewError('not_found');
  await accountRows(services).update({ id: account.id }, { locked: input.locked, updatedAt: new Date() });
  if (input.locked) await destroySessionsOf(services.database, account.id);
  await services.audit.record(input.locked ? 'account.locked' : 'account.unlocked', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id } });
}
