import type { ApplicationRow } from '../db/entities.js';
import { normalizeEmail } from '../accounts/account-store.js';
import { mailTemplates } from '../mail/templates.js';
import type { Services } from '../services.js';
import type { Lang } from '../config/types.js';
import { applicantMayEdit, type ApplicationForm } from './application-rules.js';
import { ApplicationStore } from './application-store.js';
import { activeCatalogue } from './catalogue.js';

// The applicant's side of G1 (manual 002 §2.1 steps 1–16): plain functions over the services.

export const APPLY_PATHS = { continue: '/graduates/apply/continue' } as const;

export function applications(services: Services): ApplicationStore {
  return new ApplicationStore(services.database);
}

/**
 * 新規登録手続き: a draft application for the address and a mail with its one-time URL (which proves
 * the address). The page answers the same whatever the address.
 */
export async function requestApplication(services: Services, input: { email: string; lang: Lang; ip: string }): Promise<{ kind: 'sent' | 'limited' }> {
  const store = applications(services);
  const email = normalizeEmail(input.email);
  const since = new Date(Date.now() - 3600_000);
  if ((await store.countStartedSince(email, since)) >= services.config.throttle.mailPerAccountPerHour) return { kind: 'limited' };
  const application = await store.createDraft({ purpose: 'account', email, lang: input.lang });
  const minutes = services.config.lifetimes.oneTimeUrlMinutes;
  const key = await store.issueAccessFor(application.id, minutes * 60_000);
  const url = `${services.config.issuer}${APPLY_PATHS.continue}?key=${encodeURIComponent(key)}`;
  await services.sendMail(email, mailTemplates.applicationStart(input.lang, services.mailBranding, url, minutes));
  await services.audit.record('application.requested', { ip: input.ip, detail: { applicationId: application.id } });
  return { kind: 'sent' };
}

export type OpenedApplication = { kind: 'ok'; application: ApplicationRow; key: string } | { kind: 'expired' | 'unknown' };

/**
 * Opening a mailed URL: the key in it is used up and replaced by a longer-lived one kept in a
 * cookie, so the URL cannot be replayed and the applicant has time to fill in the form.
 */
export async function openApplication(services: Services, mailedKey: unknown): Promise<OpenedApplication> {
  const store = applications(services);
  const found = await store.findByAccessKey(mailedKey);
  if (!found) return { kind: 'unknown' };
  if ('expired' in found) return { kind: 'expired' };
  const key = await store.issueAccess(found.id, services.config.graduates?.applicationAccessDays ?? 14);
  return { kind: 'ok', application: found, key };
}

export type CurrentApplication = { kind: 'ok'; application: ApplicationRow } | { kind: 'expired' | 'none' };

export async function currentApplication(services: Services, key: string | undefined): Promise<CurrentApplication> {
  if (!key) return { kind: 'none' };
  const found = await applications(services).findByAccessKey(key);
  if (!found) return { kind: 'none' };
  if ('expired' in found) return { kind: 'expired' };
  return { kind: 'ok', application: found };
}

/** 利用許諾: the version shown must be the current one (a stale or tampered version is refused). */
export async function acceptApplicationTerms(services: Services, application: ApplicationRow, version: string): Promise<boolean> {
  const current = services.config.graduates?.terms.version;
  if (!current || version !== current) return false;
  await applications(services).update(application.id, { termsVersion: current, termsAcceptedAt: new Date() });
  await applications(services).recordEvent(application.id, 'applicant', null, 'terms_accepted', current);
  return true;
}

export function termsAccepted(services: Services, application: ApplicationRow): boolean {
  return application.termsVersion === services.config.graduates?.terms.version;
}

/**
 * Saves the form; the catalogue choice is resolved into its university, faculty and department so
 * that the application keeps what the applicant chose even if the catalogue changes later.
 */
export async function saveApplicationForm(services: Services, application: ApplicationRow, form: ApplicationForm): Promise<{ kind: 'ok' } | { kind: 'unknown_catalogue' } | { kind: 'closed' }> {
  if (!applicantMayEdit(application.status)) return { kind: 'closed' };
  const entry = (await activeCatalogue(services.database)).find((e) => e.id === form.catalogue_id);
  if (!entry) return { kind: 'unknown_catalogue' };
  const saved: ApplicationForm = { ...form, university: entry.university, faculty: entry.faculty, department: entry.department };
  if (application.form?.document_type) saved.document_type = application.form.document_type;
  await applications(services).update(application.id, { form: saved as Record<string, string>, kind: form.kind === 'change' ? 'change' : 'new' });
  return { kind: 'ok' };
}

/** 申請: a draft is submitted, a returned application resubmitted; the applicant's access ends. */
export async function submitApplication(services: Services, application: ApplicationRow, ip: string): Promise<'submitted' | 'resubmitted'> {
  const store = applications(services);
  const action = application.status === 'resubmission_requested' ? 'resubmit' : 'submit';
  await store.transition(application, action, { type: 'applicant', id: null });
  await store.revokeAccess(application.id);
  await services.sendMail(application.email, mailTemplates.applicationReceived(services.langOf(application.lang), services.mailBranding));
  await services.audit.record(action === 'submit' ? 'application.submitted' : 'application.resubmitted', { ip, detail: { applicationId: application.id } });
  return action === 'submit' ? 'submitted' : 'resubmitted';
}
