import type { ApplicationRow } from '../../db/entities.js';
import { normalizeEmail } from '../../accounts/account-store.js';
import type { Services } from '../../services.js';
import type { Lang } from '../../config/types.js';
import { APPLY_PATHS } from '../../applications/paths.js';
import { graduateMails } from '../mails.js';
import { applicationOfKey, startApplication, submitByApplicant } from '../applicant.js';
import { applicantMayEdit } from '../../applications/state-machine.js';

// The applicant's side of G1 (manual 002 §2.1 steps 1–16): plain functions over the services they name.

/**
 * 新規登録手続き: a draft application for the address and a mail with its one-time URL (which proves
 * the address). The page answers the same whatever the address.
 */
export async function requestApplication(
  services: Pick<Services, 'applications' | 'config' | 'database' | 'sendMail' | 'mailBranding' | 'audit'>,
  input: { email: string; lang: Lang; ip: string },
): Promise<{ kind: 'sent' | 'limited' }> {
  const email = normalizeEmail(input.email);
  const started = await startApplication(services, { purpose: 'account', email, lang: input.lang, continuePath: APPLY_PATHS.continue });
  if (started.kind === 'limited') return started;
  await services.sendMail(email, graduateMails.applicationStart(input.lang, services.mailBranding, started.url, started.minutes));
  await services.audit.record('application.requested', { ip: input.ip, detail: { applicationId: started.application.id } });
  return { kind: 'sent' };
}

export type CurrentApplication = { kind: 'ok'; application: ApplicationRow } | { kind: 'expired' | 'none' | 'closed' | 'decided' };

/** The applicant's application (the cookie's key), while the applicant may still edit it. */
export async function currentApplication(services: Pick<Services, 'applications'>, key: string | undefined): Promise<CurrentApplication> {
  const keyed = await applicationOfKey(services, key);
  if (keyed.kind !== 'ok') return keyed;
  if (keyed.application.purpose !== 'account') return { kind: 'none' };
  const { status } = keyed.application;
  if (!applicantMayEdit(status)) return { kind: status === 'approved' || status === 'rejected' ? 'decided' : 'closed' };
  return keyed;
}

/** 利用許諾: the version shown must be the current one (a stale or tampered version is refused). */
export async function acceptApplicationTerms(services: Pick<Services, 'config' | 'applications'>, application: ApplicationRow, version: string): Promise<boolean> {
  const current = services.config.graduates?.terms.version;
  if (!current || version !== current) return false;
  await services.applications.update(application.id, { termsVersion: current, termsAcceptedAt: new Date() });
  await services.applications.recordEvent(application.id, 'applicant', null, 'terms_accepted', current);
  return true;
}

export function termsAccepted(services: Pick<Services, 'config'>, application: ApplicationRow): boolean {
  return application.termsVersion === services.config.graduates?.terms.version;
}

/** Images of the identity document, checked and stripped (apply/forms.ts), of one chosen type. */
export interface DocumentUpload { documentType: string; files: Array<{ type: string; bytes: Buffer }>; caption?: string | null }

/**
 * 本人確認書類: one upload is stored as a whole — its images, the type chosen on the form and the
 * event — in one transaction, so a failure half-way leaves nothing of it saved. The images are
 * encrypted (DocumentVault) before they are written.
 */
/**
 * Adds the images and keeps the document type in the form, all or nothing; 'full' (nothing added)
 * when they do not fit in `maxFiles` beside the images stored by now. Under the application's row
 * lock, so that uploads and form saves sent at once (a double click, two tabs) neither exceed the
 * limit nor undo each other: the form written is the one stored now, not the one read at the start.
 */
export async function storeDocuments(
  services: Pick<Services, 'applications' | 'vault'>, application: ApplicationRow, upload: DocumentUpload, maxFiles = Number.POSITIVE_INFINITY,
): Promise<'stored' | 'full'> {
  const { documentType } = upload;
  const encrypted = upload.files.map((file) => ({ contentType: file.type, byteSize: file.bytes.length, data: services.vault.encrypt(file.bytes) }));
  return services.applications.inTransaction(async (store) => {
    const current = (await store.lockedForEdit(application.id)) ?? application;
    if ((await store.countDocuments(application.id)) + encrypted.length > maxFiles) return 'full';
    for (const file of encrypted) await store.addDocument({ applicationId: application.id, documentType, caption: upload.caption ?? null, ...file });
    await store.update(application.id, { form: { ...(current.form ?? {}), document_type: documentType } });
    await store.recordEvent(application.id, 'applicant', null, 'documents_added', String(encrypted.length));
    return 'stored';
  });
}

export type Submission = { kind: 'submitted' | 'resubmitted'; receiptNumber: string } | { kind: 'unchanged' } | { kind: 'no_documents' };

/** 申請受付's next steps in a language: graduates.nextSteps, or the service's default texts. */
export function nextSteps(config: Pick<Services['config'], 'graduates'>, lang: Lang, defaults: readonly string[]): readonly string[] {
  return config.graduates?.nextSteps?.[lang] ?? defaults;
}

/**
 * 申請: with at least one image of the identity document, a draft is submitted and a returned
 * application resubmitted; the applicant's access ends and a mail says it was received, with the
 * receipt number (given at the first submission, the same at a resubmission) and the next steps.
 */
export async function submitApplication(
  services: Pick<Services, 'applications' | 'sendMail' | 'langOf' | 'mailBranding' | 'audit' | 'config'>, application: ApplicationRow, ip: string,
  defaultNextSteps: Record<Lang, readonly string[]>,
): Promise<Submission> {
  if ((await services.applications.listDocuments(application.id)).length === 0) return { kind: 'no_documents' };
  const receiptNumber = await services.applications.assignReceiptNumber(application.id);
  const action = await submitByApplicant(services, application);
  if (!action) return { kind: 'unchanged' };
  const lang = services.langOf(application.lang);
  await services.sendMail(application.email, graduateMails.applicationReceived(lang, services.mailBranding, receiptNumber, nextSteps(services.config, lang, defaultNextSteps[lang])));
  await services.audit.record(action === 'submit' ? 'application.submitted' : 'application.resubmitted', { ip, detail: { applicationId: application.id, receiptNumber } });
  return { kind: action === 'submit' ? 'submitted' : 'resubmitted', receiptNumber };
}
