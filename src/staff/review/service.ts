import { randomUUID } from 'node:crypto';
import { IsNull, type EntityManager, type Repository } from 'typeorm';
import { normalizeEmail } from '../../accounts/account-store.js';
import type { ApplicationForm } from '../../applications/fields.js';
import { enrollmentHolders, whileStudentNumberLocked } from '../../applications/enrollments.js';
import { graduateLoginUrl } from '../../applications/links.js';
import { applicationMails } from '../../applications/mails.js';
import { APPLY_PATHS, SELF_SERVICE_PATHS } from '../../applications/paths.js';
import { groupOf, writePersonalData } from '../../applications/personal-data.js';
import type { ApplicationStore } from '../../applications/store.js';
import type { AccountRow, ApplicationRow, ApplicationStatus } from '../../db/entities.js';
import { emailMails } from '../../email-verification/mails.js';
import type { Services } from '../../services.js';
import { queueMail, ReviewError, type StaffActor } from '../actions.js';
import { issueInitialPassword } from '../initial-password.js';
import { staffMails } from '../mail.js';
import { isDuplicateKey } from '../../db/errors.js';
import { NamedLockTimeout } from '../../db/named-lock.js';
import { enrollmentFromForm, graduateAccountFromApplication, withEnrollment } from './graduate-account.js';
import { composeReason } from './reasons.js';

// The staff decisions (DESIGN §2.2 G2, G5, G6, G8; §2.3). Plain functions over the services: the
// console's handlers only parse and render, and the tests call these directly.
//
// Each decision's writes run in one transaction (see inOneTransaction): the application's move and
// its history event, and what it brings (the account, its passwords or profile, the access key).
// Everything slow (hashing the initial password) happens before; mails and audit records after the
// commit, so a decision that fails leaves the application undecided and no account.
//
// Concurrency: ApplicationStore.transition moves an application only from the status it was read in,
// so of two decisions on one application the first wins and the second gets ApplicationStateError.
// Decisions from the console also carry the version the clerk saw (the application's updatedAt): a
// decision on an application that changed since it was opened is refused (ReviewError 'changed').

export type ReviewServices = Pick<Services,
  'config' | 'database' | 'hasher' | 'accounts' | 'applications' | 'audit' | 'signIns' | 'sendMail' | 'langOf' | 'mailBranding' | 'texts'>;

export interface DecisionResult {
  status: ApplicationStatus;
  accountId?: string;
  /** False when the mail could not even be queued: the page must not say it was sent. */
  mailQueued: boolean;
  /** Four-eyes: the approval was recorded and waits for a second staff member (nothing else changed). */
  pending?: boolean;
}

/** The version of an application the console puts in its decision forms. */
export function versionOf(application: Pick<ApplicationRow, 'updatedAt'>): number {
  return application.updatedAt.getTime();
}

interface DecisionWrites { applications: ApplicationStore; accounts: Repository<AccountRow>; manager: EntityManager }

/**
 * Runs a decision's writes in one transaction (all saved, or none). The application's move is always
 * the first write: a decision that lost the race to another one learns so before it wrote anything.
 */
function inOneTransaction<T>(services: Pick<Services, 'applications' | 'database'>, work: (writes: DecisionWrites) => Promise<T>, on?: EntityManager): Promise<T> {
  return services.applications.inTransaction((applications, manager) => work({ applications, manager, accounts: manager.getRepository(services.database.entities.Account) }), on);
}

/** The address was taken meanwhile (the check before the decision is not atomic): the decision was undone. */
async function unlessEmailTaken<T>(decision: Promise<T>): Promise<T> {
  try {
    return await decision;
  } catch (error) {
    if (isDuplicateKey(error)) throw new ReviewError('email_taken');
    throw error;
  }
}

const by = (actor: StaffActor) => ({ type: 'staff' as const, id: actor.id });

/** The application to decide on; `version` (when given) must be the one the clerk saw. */
async function loadApplication(services: Pick<Services, 'applications'>, applicationId: string, version?: number): Promise<ApplicationRow> {
  const application = await services.applications.findById(applicationId);
  if (!application || application.status === 'draft') throw new ReviewError('not_found');
  if (version !== undefined && versionOf(application) !== version) throw new ReviewError('changed');
  return application;
}

async function graduateAccount(services: Pick<Services, 'accounts'>, accountId: string | null): Promise<AccountRow> {
  const account = accountId ? await services.accounts.findById(accountId) : null;
  if (!account || account.userType !== 'graduate') throw new ReviewError('account_not_graduate');
  return account;
}

/**
 * 承認. A 新規 account application creates the graduate account and mails 利用申請結果のお知らせ with the
 * initial password. A 変更 application (G8) needs `accountId`: the existing graduate account staff
 * matched it to — accounts are never linked automatically. An additional student number (G5) is added
 * to the applicant's account; a personal-data change (G6) is written to it.
 */
export async function approveApplication(services: ReviewServices, actor: StaffActor, input: { applicationId: string; accountId?: string | null; version?: number }): Promise<DecisionResult> {
  const application = await loadApplication(services, input.applicationId, input.version);
  if (application.purpose === 'enrollment') return approveEnrollment(services, actor, application);
  if (application.purpose === 'personal') return approvePersonal(services, actor, application);
  if (application.kind === 'change') return approveChangeChecked(services, actor, application, input.accountId ?? null);
  return approveNew(services, actor, application);
}

/**
 * A 変更 approval moves an account to a new address, the riskiest decision. With
 * graduates.review.fourEyes the first approval is only recorded (which account, by whom); a second,
 * different staff member confirms it, and then the account moves. Both are named in the audit log.
 */
async function approveChangeChecked(services: ReviewServices, actor: StaffActor, application: ApplicationRow, accountId: string | null): Promise<DecisionResult> {
  if (application.pendingBy) {
    if (application.pendingBy === actor.id) throw new ReviewError('same_staff');
    return approveChange(services, actor, application, application.pendingAccountId ?? null, application.pendingBy);
  }
  if (!services.config.graduates?.review?.fourEyes) return approveChange(services, actor, application, accountId);
  if (!accountId) throw new ReviewError('account_required');
  const account = await graduateAccount(services, accountId);
  if (!(await services.accounts.emailAvailableFor(account.id, normalizeEmail(application.email)))) throw new ReviewError('email_taken');
  await services.applications.requestApproval(application, actor.id, account.id);
  await services.audit.record('application.approval_requested', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id } });
  return { status: application.status, accountId: account.id, mailQueued: false, pending: true };
}

/** Four-eyes: a recorded approval withdrawn before the second staff member confirmed it. */
export async function withdrawApproval(services: ReviewServices, actor: StaffActor, input: { applicationId: string; version?: number }): Promise<void> {
  const application = await loadApplication(services, input.applicationId, input.version);
  if (!application.pendingBy) throw new ReviewError('not_applicable');
  await services.applications.withdrawApproval(application, actor.id);
  await services.audit.record('application.approval_withdrawn', {
    accountId: application.pendingAccountId, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, requestedBy: application.pendingBy },
  });
}

async function approveNew(services: ReviewServices, actor: StaffActor, application: ApplicationRow): Promise<DecisionResult> {
  if (!(await services.accounts.emailAvailableFor('', application.email))) throw new ReviewError('email_taken');
  const issued = await issueInitialPassword(services);
  const account = graduateAccountFromApplication(application, randomUUID(), issued);
  const accountId = account.id;
  const status = await unlessEmailTaken(inOneTransaction(services, async ({ applications, accounts }) => {
    const moved = await applications.transition(application, 'approve', by(actor), { accountId });
    await accounts.insert(account);
    return moved;
  }));
  const mailQueued = await queueMail(services, account.email!, staffMails.approved(services.langOf(application.lang), services.mailBranding, {
    password: issued.password, expiresAt: issued.expiresAt, loginUrl: graduateLoginUrl(services.config),
  }));
  await services.audit.record('application.approved', {
    accountId, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, kind: 'new', mailQueued },
  });
  await services.audit.record('initial_password.issued', { accountId, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, mailQueued } });
  return { status, accountId, mailQueued };
}

async function approveChange(services: ReviewServices, actor: StaffActor, application: ApplicationRow, accountId: string | null, requestedBy?: string): Promise<DecisionResult> {
  if (!accountId) throw new ReviewError('account_required');
  const account = await graduateAccount(services, accountId);
  const newEmail = normalizeEmail(application.email);
  if (!(await services.accounts.emailAvailableFor(account.id, newEmail))) throw new ReviewError('email_taken');
  const issued = await issueInitialPassword(services);
  const status = await unlessEmailTaken(inOneTransaction(services, async ({ applications, accounts, manager }) => {
    const moved = await applications.transition(application, 'approve', by(actor), { accountId: account.id });
    // The first login with the new address then asks for a new password and a new second password (G3).
    await accounts.update({ id: account.id }, {
      email: newEmail, emailVerified: true, passwordHash: issued.hash, passwordIsInitial: true, passwordExpiresAt: issued.expiresAt,
      secondPasswordHash: null, updatedAt: new Date(),
    });
    // Links already mailed to the old address (a reset, an address change) stop working too.
    await manager.getRepository(services.database.entities.OneTimeToken).update({ accountId: account.id, usedAt: IsNull() }, { usedAt: new Date() });
    return moved;
  }));
  await services.signIns.endEveryOf(account.id);
  let oldNotified = true;
  if (account.email && account.email !== newEmail) {
    oldNotified = await queueMail(services, account.email, emailMails.emailChangedNotice(services.langOf(account.locale), services.mailBranding));
  }
  // The applicant is whoever holds the new address: that mail is what the page reports on.
  const mailQueued = await queueMail(services, newEmail, staffMails.approved(services.langOf(application.lang), services.mailBranding, {
    password: issued.password, expiresAt: issued.expiresAt, loginUrl: graduateLoginUrl(services.config), addressChanged: true,
  }));
  const detail = { staffId: actor.id, applicationId: application.id };
  // Four-eyes: who approved first (requestedBy) and who confirmed (staffId, confirmedBy).
  const fourEyes = requestedBy ? { requestedBy, confirmedBy: actor.id } : {};
  await services.audit.record('application.approved', { accountId: account.id, ip: actor.ip, detail: { ...detail, ...fourEyes, kind: 'change', mailQueued, oldAddressNotified: oldNotified } });
  await services.audit.record('email.changed', { accountId: account.id, ip: actor.ip, detail: { ...detail, secondPasswordReset: true } });
  await services.audit.record('initial_password.issued', { accountId: account.id, ip: actor.ip, detail: { ...detail, mailQueued } });
  return { status, accountId: account.id, mailQueued };
}

async function approveEnrollment(services: ReviewServices, actor: StaffActor, application: ApplicationRow): Promise<DecisionResult> {
  const account = await graduateAccount(services, application.accountId);
  const enrollment = enrollmentFromForm((application.form ?? {}) as ApplicationForm);
  // A student number another account already holds is never attached here: staff sort it out. The
  // check and the attach hold the number's lock, so two approvals of it for two accounts cannot both pass.
  const status = await whileStudentNumberLocked(services, enrollment, async ({ manager: locked }) => {
    if ((await enrollmentHolders(services, enrollment, account.id, locked)).length) throw new ReviewError('student_number_taken');
    return inOneTransaction(services, async ({ applications, accounts }) => {
      const moved = await applications.transition(application, 'approve', by(actor), { accountId: account.id });
      // The profile as it is now, locked until the commit on MySQL/MariaDB (the embedded SQLite runs one
      // transaction at a time): of two enrolments added at once, both stay.
      const lock = services.database.dialect === 'mysql' ? { mode: 'pessimistic_write' as const } : undefined;
      const current = (await accounts.findOne({ where: { id: account.id }, lock }))?.profile ?? account.profile;
      await accounts.update({ id: account.id }, { profile: withEnrollment(current, enrollment), updatedAt: new Date() });
      return moved;
    }, locked);
  }).catch((error: unknown) => {
    if (error instanceof NamedLockTimeout) throw new ReviewError('student_number_busy');
    throw error;
  });
  const mailQueued = await queueMail(services, account.email ?? application.email, staffMails.enrollmentAdded(services.langOf(application.lang), services.mailBranding, enrollment.student_number));
  await services.audit.record('application.approved', {
    accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, kind: 'enrollment', mailQueued },
  });
  return { status, accountId: account.id, mailQueued };
}

/** G6: a change of reviewed personal data is written to the account only now; the user is told by mail. */
async function approvePersonal(services: ReviewServices, actor: StaffActor, application: ApplicationRow): Promise<DecisionResult> {
  const account = await graduateAccount(services, application.accountId);
  const form = (application.form ?? {}) as ApplicationForm;
  const fields = Object.keys(form);
  if (!fields.length) throw new ReviewError('incomplete_form');
  const status = await inOneTransaction(services, async ({ applications, manager }) => {
    const moved = await applications.transition(application, 'approve', by(actor), { accountId: account.id });
    await writePersonalData(services, account.id, form, manager);
    return moved;
  });
  const lang = services.langOf(account.locale);
  const t = services.texts.for(lang);
  const groups = [...new Set(fields.map((f) => groupOf(f)).filter((g) => g !== undefined))];
  const mailQueued = await queueMail(services, account.email ?? application.email, applicationMails.personalDataChanged(lang, services.mailBranding, groups.map((g) => t(`self.group.${g}`))));
  await services.audit.record('application.approved', {
    accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, kind: 'personal', mailQueued },
  });
  await services.audit.record('personal_data.changed', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, fields: fields.join(','), by: 'staff' } });
  return { status, accountId: account.id, mailQueued };
}

/** What the clerk gives for 却下 or 再申請の依頼: standard reasons (ids) and/or free text, and the version seen. */
interface DecisionInput { applicationId: string; reasonIds?: string[]; version?: number }

/** 却下: a reason (standard and/or free text) is required and mailed to the applicant in the applicant's language. */
export async function rejectApplication(services: ReviewServices, actor: StaffActor, input: DecisionInput & { reason?: string }): Promise<DecisionResult> {
  const application = await loadApplication(services, input.applicationId, input.version);
  const lang = services.langOf(application.lang);
  const reason = composeReason(services.config, 'rejectionReasons', lang, input.reasonIds ?? [], input.reason);
  const status = await inOneTransaction(services, ({ applications }) => applications.transition(application, 'reject', by(actor), { comment: reason.text }));
  const mailQueued = await queueMail(services, application.email, staffMails.rejected(lang, services.mailBranding, application.purpose, reason.text));
  await services.audit.record('application.rejected', {
    accountId: application.accountId, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, mailQueued, ...(reason.ids.length ? { reasons: reason.ids.join(',') } : {}) },
  });
  return { status, mailQueued };
}

/**
 * 再申請の依頼: what to correct (standard requests and/or free text) is required; the applicant gets it
 * with a link (a new access key) that opens the same application for correction and resubmission.
 */
export async function requestResubmission(services: ReviewServices, actor: StaffActor, input: DecisionInput & { comment?: string }): Promise<DecisionResult> {
  const application = await loadApplication(services, input.applicationId, input.version);
  const lang = services.langOf(application.lang);
  const reason = composeReason(services.config, 'resubmissionReasons', lang, input.reasonIds ?? [], input.comment);
  const comment = reason.text;
  // A personal-data change has no form to correct: it is approved or rejected.
  if (application.purpose === 'personal') throw new ReviewError('not_applicable');
  const days = services.config.graduates?.applicationAccessDays ?? 14;
  const { status, key } = await inOneTransaction(services, async ({ applications }) => ({
    status: await applications.transition(application, 'request_resubmission', by(actor), { comment }),
    key: await applications.issueAccess(application.id, days),
  }));
  const path = application.purpose === 'enrollment' ? SELF_SERVICE_PATHS.enrollmentContinue : APPLY_PATHS.continue;
  const url = `${services.config.issuer}${path}?key=${encodeURIComponent(key)}`;
  const expiresAt = new Date(Date.now() + days * 86400_000);
  const mailQueued = await queueMail(services, application.email, staffMails.resubmissionRequested(
    lang, services.mailBranding, application.purpose, comment, url, expiresAt,
  ));
  await services.audit.record('application.resubmission_requested', {
    accountId: application.accountId, ip: actor.ip, detail: { staffId: actor.id, applicationId: application.id, mailQueued, ...(reason.ids.length ? { reasons: reason.ids.join(',') } : {}) },
  });
  return { status, mailQueued };
}
