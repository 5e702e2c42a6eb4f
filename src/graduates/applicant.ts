import { createHash } from 'node:crypto';
import type { ApplicationPurpose, ApplicationRow, CatalogueEntryRow } from '../db/entities.js';
import { withNamedLock } from '../db/named-lock.js';
import type { Services } from '../services.js';
import type { ApplicationForm } from '../applications/fields.js';
import type { FormFieldName } from '../applications/form.js';
import { activeCatalogue } from '../applications/catalogue.js';
import { applicantMayEdit } from '../applications/state-machine.js';
import { ApplicationStateError } from '../applications/store.js';
import type { ApplicationTextKey } from '../applications/texts.js';
import { applicationSections, applicationSummary } from '../applications/view.js';
import type { Translate } from '../web/texts.js';

// The applicant's side of an application that G1 (利用申請, apply/) and G5 (学籍番号追加登録,
// self-service/enrollment/) share: a mailed one-time URL that proves the address, a longer-lived key
// in a cookie while the form is filled in, the form saved with its catalogue choice resolved, the
// confirmation, and the submission that ends the applicant's access.

type Store = Pick<Services, 'applications'>;

export type StartedApplication = { kind: 'started'; application: ApplicationRow; url: string; minutes: number } | { kind: 'limited' };

/**
 * A draft application and the one-time URL to it (`continuePath?key=…`), unless the address started
 * too many within the hour (the mail limit). The caller mails the URL.
 */
export async function startApplication(
  services: Store & Pick<Services, 'config' | 'database'>,
  input: { purpose: ApplicationPurpose; email: string; lang: string; accountId?: string; continuePath: string },
): Promise<StartedApplication> {
  const store = services.applications;
  // Counted and created under the address's lock: requests sent at once cannot pass the limit together.
  const lockKey = createHash('sha256').update(input.email).digest('hex').slice(0, 20);
  const application = await withNamedLock(services.database.dataSource, `cert-idp:ap:${lockKey}`, async ({ manager }) => {
    if ((await store.countStartedSince(input.email, new Date(Date.now() - 3600_000), manager)) >= services.config.throttle.mailPerAccountPerHour) return undefined;
    return store.createDraft({ purpose: input.purpose, email: input.email, lang: input.lang, accountId: input.accountId }, manager);
  }, { waitSeconds: 10 });
  if (!application) return { kind: 'limited' };
  const minutes = services.config.lifetimes.oneTimeUrlMinutes;
  const key = await store.issueAccessFor(application.id, minutes * 60_000);
  return { kind: 'started', application, url: `${services.config.issuer}${input.continuePath}?key=${encodeURIComponent(key)}`, minutes };
}

export type CheckedApplication = { kind: 'ok'; application: ApplicationRow } | { kind: 'expired' | 'used' | 'unknown' };
export type OpenedApplication = { kind: 'ok'; application: ApplicationRow; key: string } | { kind: 'expired' | 'used' | 'unknown' };

/**
 * The application of a mailed URL's key, looked up without using the key (the landing page: a mail
 * scanner's HEAD or GET changes nothing). `purpose`: the only purpose this URL opens — a key of
 * another purpose opens nothing here.
 */
export async function checkApplicationKey(services: Store, mailedKey: unknown, purpose: ApplicationPurpose): Promise<CheckedApplication> {
  const found = await services.applications.findByAccessKey(mailedKey);
  if (!found) {
    const used = await services.applications.findByUsedAccessKey(mailedKey);
    return { kind: used?.purpose === purpose ? 'used' : 'unknown' };
  }
  if ('expired' in found) return { kind: 'expired' };
  if (found.purpose !== purpose) return { kind: 'unknown' };
  return { kind: 'ok', application: found };
}

/**
 * Opening a mailed URL (the landing page's button, a POST): the key in it is used up and replaced by a
 * longer-lived one kept in a cookie of the browser that pressed the button, so the URL cannot be
 * replayed and the applicant has time to fill in the form. Of two concurrent uses only one succeeds.
 */
export async function openApplication(services: Store & Pick<Services, 'config'>, mailedKey: unknown, purpose: ApplicationPurpose): Promise<OpenedApplication> {
  const checked = await checkApplicationKey(services, mailedKey, purpose);
  if (checked.kind !== 'ok') return checked;
  const key = await services.applications.exchangeAccess(checked.application.id, mailedKey as string, services.config.graduates?.applicationAccessDays ?? 14);
  if (!key) return { kind: 'used' }; // another press was first
  return { kind: 'ok', application: checked.application, key };
}

export type KeyedApplication = { kind: 'ok'; application: ApplicationRow } | { kind: 'expired' | 'none' };

/** The application of the cookie's key. */
export async function applicationOfKey(services: Store, key: string | undefined): Promise<KeyedApplication> {
  if (!key) return { kind: 'none' };
  const found = await services.applications.findByAccessKey(key);
  if (!found) return { kind: 'none' };
  if ('expired' in found) return { kind: 'expired' };
  return { kind: 'ok', application: found };
}

/** The values of the form's fields in the validated input (what is saved). */
export function formOf(fields: readonly FormFieldName[], input: Record<string, string | undefined>): ApplicationForm {
  const form: ApplicationForm = {};
  for (const field of fields) if (input[field] !== undefined) form[field] = input[field];
  return form;
}

export type SavedForm = { kind: 'ok'; form: ApplicationForm } | { kind: 'unknown_catalogue' } | { kind: 'closed' };

/**
 * Saves the form; the catalogue choice is resolved into its university, faculty and department so
 * that the application keeps what the applicant chose even if the catalogue changes later.
 */
export async function saveApplicationForm(services: Store & Pick<Services, 'database'>, application: ApplicationRow, form: ApplicationForm): Promise<SavedForm> {
  if (!applicantMayEdit(application.status)) return { kind: 'closed' };
  const entry = (await activeCatalogue(services.database)).find((e) => e.id === form.catalogue_id);
  if (!entry) return { kind: 'unknown_catalogue' };
  const saved: ApplicationForm = { ...form, university: entry.university, faculty: entry.faculty, department: entry.department };
  // The document type belongs to the documents step: kept as stored now (an upload may have set it since this request began).
  await services.applications.inTransaction(async (store) => {
    const current = (await store.lockedForEdit(application.id)) ?? application;
    if (current.form?.document_type) saved.document_type = current.form.document_type;
    await store.update(application.id, { form: saved as Record<string, string>, kind: form.kind === 'change' ? 'change' : 'new' });
  });
  return { kind: 'ok', form: saved };
}

/** 確認: the saved form as the applicant typed it; the catalogue choice as it was saved (the catalogue may have changed since). */
export function savedFormSummary(t: Translate<ApplicationTextKey>, fields: readonly FormFieldName[], catalogue: CatalogueEntryRow[], saved: ApplicationForm) {
  const form = { ...saved } as Record<string, string>;
  const summary = applicationSummary(applicationSections(t, fields, catalogue), form);
  for (const section of summary) for (const row of section.rows) if (row.label === t('apply.catalogue')) row.value = [form.university, form.faculty, form.department].filter(Boolean).join(' / ');
  return summary;
}

/**
 * 申請: a draft is submitted, a returned application resubmitted, and the applicant's access ends.
 * Undefined when the application moved meanwhile (e.g. submitted from another tab): nothing changes.
 */
export async function submitByApplicant(services: Store, application: ApplicationRow): Promise<'submit' | 'resubmit' | undefined> {
  const store = services.applications;
  const action = application.status === 'resubmission_requested' ? 'resubmit' : 'submit';
  try {
    await store.transition(application, action, { type: 'applicant', id: null });
  } catch (error) {
    if (error instanceof ApplicationStateError) return undefined;
    throw error;
  }
  await store.revokeAccess(application.id);
  return action;
}
