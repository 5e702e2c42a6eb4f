import Router from '@koa/router';
import type { Context } from 'koa';
import type { ApplicationRow } from '../db/entities.js';
import { checkUpload } from '../uploads/index.js';
import { createPostalCodeLookup } from '../postal/lookup.js';
import { formatPostalCode } from '../postal/normalize.js';
import { emailForm } from '../students/forms.js';
import { formBody } from '../students/routes.js';
import { verifyCsrf } from '../web/csrf.js';
import { addError, type FieldErrors } from '../web/forms.js';
import { parseMultipart } from '../web/multipart.js';
import { render, renderMessage, type PageState } from '../web/render.js';
import type { WebDeps } from '../web/interaction.js';
import { applicantMayEdit, type ApplicationForm } from './application-rules.js';
import { applicationFormValidator } from './application-form.js';
import {
  acceptApplicationTerms, applications, APPLY_PATHS, currentApplication, openApplication, requestApplication, saveApplicationForm,
  submitApplication, termsAccepted,
} from './apply-service.js';
import { applicationSections, applicationSummary } from './apply-view.js';
import { activeCatalogue } from './catalogue.js';
import { ApplicationStateError } from './application-store.js';

const COOKIE = 'cert_idp.apply';
const BASE = '/graduates/apply';

/** The graduate's application (manual 002 §2.1 steps 1–16): 新規登録手続き → … → 申請受付. */
export function applyRoutes({ services }: WebDeps): Router {
  const router = new Router();
  const graduates = services.config.graduates;
  if (!graduates) return router;
  const { config } = services;
  const secure = config.issuer.startsWith('https://');
  const formValidator = applicationFormValidator(graduates);
  const vault = services.vault;
  const postalCodes = createPostalCodeLookup(services);
  const maxMegabytes = Math.floor(graduates.uploads.maxBytes / 100_000) / 10;

  const page = (ctx: Context) => ctx.state as PageState;

  /** Runs a handler with the applicant's application (from the cookie), or explains why not. */
  const withApplication = (handler: (ctx: Context, application: ApplicationRow) => Promise<void> | void) => async (ctx: Context) => {
    const { t } = page(ctx);
    const current = await currentApplication(services, ctx.cookies.get(COOKIE, { signed: true }));
    if (current.kind === 'expired') return renderMessage(ctx, { title: t('apply.request.title'), paragraphs: [t('apply.expired')], link: { href: BASE, label: t('apply.request.title') }, status: 410, tone: 'error' });
    if (current.kind !== 'ok') return renderMessage(ctx, { title: t('apply.request.title'), paragraphs: [t('apply.no_access')], status: 400, tone: 'error' });
    const application = current.application;
    if (!applicantMayEdit(application.status)) {
      const decided = application.status === 'approved' || application.status === 'rejected';
      return renderMessage(ctx, { title: t('apply.done.title'), paragraphs: [t(decided ? 'apply.decided' : 'apply.closed')] });
    }
    if (!termsAccepted(services, application) && ctx.path !== `${BASE}/terms`) return ctx.redirect(`${BASE}/terms`);
    await handler(ctx, application);
  };

  // 新規登録手続き: the address to apply with.
  const requestPage = (ctx: Context, extra: Record<string, unknown> = {}) => render(ctx, 'graduates/apply/request', {
    title: page(ctx).t('apply.request.title'), allowListAddress: config.mail.allowListAddress ?? config.mail.from, ...extra,
  });
  router.get(BASE, (ctx) => requestPage(ctx));
  router.post(BASE, formBody, async (ctx) => {
    verifyCsrf(ctx);
    const { t, lang } = page(ctx);
    const values = ctx.request.body as Record<string, unknown>;
    const form = emailForm(values, t);
    if (!form.ok) return requestPage(ctx, { errors: form.errors, values });
    const result = await requestApplication(services, { email: form.value.email, lang, ip: ctx.ip });
    if (result.kind === 'limited') return requestPage(ctx, { errors: addError({}, 'email', t('apply.limited')), values });
    renderMessage(ctx, { title: t('apply.request.title'), paragraphs: [t('email_setup.sent'), t('apply.request.sent_detail')] });
  });

  // The mailed URL: its key is used up and a longer-lived one goes into a cookie for this folder.
  router.get(APPLY_PATHS.continue, async (ctx) => {
    const { t } = page(ctx);
    const opened = await openApplication(services, ctx.query.key);
    if (opened.kind !== 'ok') {
      return renderMessage(ctx, {
        title: t('token.title'), paragraphs: [t(opened.kind === 'expired' ? 'token.expired' : 'token.unknown')],
        link: { href: BASE, label: t('apply.request.title') }, status: opened.kind === 'expired' ? 410 : 400, tone: 'error',
      });
    }
    ctx.cookies.set(COOKIE, opened.key, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: BASE, overwrite: true });
    ctx.redirect(termsAccepted(services, opened.application) ? `${BASE}/form` : `${BASE}/terms`);
  });

  // 利用許諾
  const termsPage = (ctx: Context, extra: Record<string, unknown> = {}) => {
    const { t, lang } = page(ctx);
    render(ctx, 'graduates/terms', { title: t('terms.title'), action: `${BASE}/terms`, termsText: graduates.terms.text[lang], termsVersion: graduates.terms.version, ...extra });
  };
  router.get(`${BASE}/terms`, withApplication((ctx) => termsPage(ctx)));
  router.post(`${BASE}/terms`, formBody, withApplication(async (ctx, application) => {
    verifyCsrf(ctx);
    const { t } = page(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    if (body.agree !== 'yes') return termsPage(ctx, { errors: addError({}, 'agree', t('terms.must_agree')) });
    if (!(await acceptApplicationTerms(services, application, String(body.terms_version ?? '')))) {
      return termsPage(ctx, { errors: addError({}, 'agree', t('terms.version_changed')) });
    }
    ctx.redirect(`${BASE}/form`);
  }));

  // 申請者情報: the form; 検索 fills the address from the postal code (without script, by this post).
  const formPage = async (ctx: Context, application: ApplicationRow, extra: { errors?: FieldErrors; values?: Record<string, string>; postalMessage?: { text: string; tone: 'info' | 'error' } } = {}) => {
    const { t, lang } = page(ctx);
    const catalogue = await activeCatalogue(services.database);
    render(ctx, 'graduates/apply/form', {
      title: t('apply.form.title'),
      sections: applicationSections(t, formValidator.fields, catalogue),
      notes: graduates.applicationNotes[lang],
      values: extra.values ?? { kind: 'new', ...(application.form ?? {}) },
      errors: extra.errors,
      postalMessage: extra.postalMessage,
      staffComment: application.status === 'resubmission_requested' ? application.staffComment : undefined,
    });
  };
  router.get(`${BASE}/form`, withApplication((ctx, application) => formPage(ctx, application)));
  router.post(`${BASE}/form`, formBody, withApplication(async (ctx, application) => {
    verifyCsrf(ctx);
    const { t } = page(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const { result, input } = formValidator.validate(body, t);
    const action = typeof body.action === 'string' ? body.action : 'next';
    const postal = /^postal:(home|work)$/.exec(action);
    if (postal) {
      const prefix = postal[1] as 'home' | 'work';
      const found = await postalCodes.search(input[`${prefix}_postal_code`] ?? '');
      if (found.status !== 'found' || !found.addresses[0]) {
        return formPage(ctx, application, { values: input, postalMessage: { text: t(found.status === 'invalid' ? 'apply.postal_invalid' : 'apply.postal_not_found'), tone: 'error' } });
      }
      const address = found.addresses[0];
      const filled = { ...input, [`${prefix}_postal_code`]: formatPostalCode(address.code), [`${prefix}_prefecture`]: address.prefecture, [`${prefix}_city`]: address.city, [`${prefix}_street`]: address.town };
      return formPage(ctx, application, { values: filled, postalMessage: { text: t('apply.postal_found'), tone: 'info' } });
    }
    if (!result.ok) return formPage(ctx, application, { values: input, errors: result.errors });
    const form: ApplicationForm = {};
    for (const field of formValidator.fields) if (input[field] !== undefined) form[field] = input[field];
    const saved = await saveApplicationForm(services, application, form);
    if (saved.kind === 'unknown_catalogue') {
      return formPage(ctx, application, { values: input, errors: addError({}, 'catalogue_id', t('apply.error.choice', { field: t('apply.catalogue') })) });
    }
    ctx.redirect(`${BASE}/documents`);
  }));

  // 本人確認書類: images, one upload at a time or several; a rejected file loses nothing else.
  const documentTypes = (lang: 'ja' | 'en') => graduates.documentTypes.map((d) => ({ id: d.id, label: d[lang] }));
  const documentsView = async (application: ApplicationRow, lang: 'ja' | 'en') => {
    const types = documentTypes(lang);
    return (await applications(services).listDocuments(application.id))
      .map((doc) => ({ ...doc, typeLabel: types.find((d) => d.id === doc.documentType)?.label ?? doc.documentType }));
  };
  const documentsPage = async (ctx: Context, application: ApplicationRow, extra: { errors?: FieldErrors; uploaded?: boolean; values?: Record<string, string> } = {}, status = 200) => {
    const { t, lang } = page(ctx);
    render(ctx, 'graduates/apply/documents', {
      title: t('apply.section.documents'), documents: await documentsView(application, lang), documentTypes: documentTypes(lang),
      maxFiles: graduates.uploads.maxFiles, maxMegabytes, errors: extra.errors, uploaded: extra.uploaded,
      values: extra.values ?? { document_type: application.form?.document_type ?? '' },
    }, status);
  };
  router.get(`${BASE}/documents`, withApplication((ctx, application) => {
    if (!application.form) return ctx.redirect(`${BASE}/form`);
    return documentsPage(ctx, application);
  }));
  router.post(`${BASE}/documents`, withApplication(async (ctx, application) => {
    const { t } = page(ctx);
    const store = applications(services);
    const existing = (await store.listDocuments(application.id)).length;
    const room = Math.max(0, graduates.uploads.maxFiles - existing);
    const body = await parseMultipart(ctx, { maxFileBytes: graduates.uploads.maxBytes, maxFiles: Math.max(room, 1) });
    ctx.request.body = body.fields;
    verifyCsrf(ctx);
    const documentType = body.fields.document_type ?? '';
    const errors: FieldErrors = {};
    if (!graduates.documentTypes.some((d) => d.id === documentType)) addError(errors, 'document_type', t('apply.error.choice', { field: t('apply.document_type') }));
    const files = body.files.filter((f) => f.size > 0 || f.filename);
    if (!files.length) addError(errors, 'files', t('apply.error.no_file'));
    if (room === 0 || body.tooManyFiles || files.length > room) addError(errors, 'files', t('apply.error.count', { count: graduates.uploads.maxFiles }));
    if (Object.keys(errors).length) return documentsPage(ctx, application, { errors, values: { document_type: documentType } }, 400);
    const accepted: Array<{ type: string; bytes: Buffer }> = [];
    for (const file of files) {
      const checked = checkUpload(file, { maxBytes: graduates.uploads.maxBytes });
      const name = file.filename || t('apply.document_images');
      if (!checked.ok) addError(errors, 'files', t(`apply.error.${checked.reason}`, { file: name, size: maxMegabytes }));
      else accepted.push({ type: checked.type, bytes: checked.bytes });
    }
    // All or nothing: a rejected file is reported and nothing of this upload is stored.
    if (Object.keys(errors).length) return documentsPage(ctx, application, { errors, values: { document_type: documentType } }, 400);
    for (const file of accepted) {
      await store.addDocument({ applicationId: application.id, documentType, contentType: file.type, byteSize: file.bytes.length, data: vault.encrypt(file.bytes) });
    }
    await store.update(application.id, { form: { ...(application.form ?? {}), document_type: documentType } });
    await store.recordEvent(application.id, 'applicant', null, 'documents_added', String(accepted.length));
    await documentsPage(ctx, (await store.findById(application.id))!, { uploaded: true });
  }));
  router.get(`${BASE}/documents/:id`, withApplication(async (ctx, application) => {
    const doc = await applications(services).findDocument(application.id, ctx.params.id ?? '');
    if (!doc) return ctx.throw(404);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = doc.contentType;
    ctx.body = vault.decrypt(doc.data);
  }));
  router.post(`${BASE}/documents/:id/delete`, formBody, withApplication(async (ctx, application) => {
    verifyCsrf(ctx);
    await applications(services).removeDocument(application.id, ctx.params.id ?? '');
    ctx.redirect(`${BASE}/documents`);
  }));

  // 確認 → 申請 → 申請受付
  const confirmPage = async (ctx: Context, application: ApplicationRow, errors?: FieldErrors, status = 200) => {
    const { t, lang } = page(ctx);
    const catalogue = await activeCatalogue(services.database);
    const sections = applicationSections(t, formValidator.fields, catalogue);
    const form = { ...(application.form ?? {}) };
    const summary = applicationSummary(t, sections, form);
    // The catalogue choice as it was saved (the catalogue may have changed since).
    for (const section of summary) for (const row of section.rows) if (row.label === t('apply.catalogue')) row.value = [form.university, form.faculty, form.department].filter(Boolean).join(' / ');
    render(ctx, 'graduates/apply/confirm', {
      title: t('apply.confirm.title'), summary, documents: await documentsView(application, lang),
      documentTypeLabel: documentTypes(lang).find((d) => d.id === form.document_type)?.label, errors,
    }, status);
  };
  router.get(`${BASE}/confirm`, withApplication(async (ctx, application) => {
    if (!application.form) return ctx.redirect(`${BASE}/form`);
    await confirmPage(ctx, application);
  }));
  router.post(`${BASE}/confirm`, formBody, withApplication(async (ctx, application) => {
    verifyCsrf(ctx);
    const { t } = page(ctx);
    if (!application.form) return ctx.redirect(`${BASE}/form`);
    const recheck = formValidator.validate(application.form, t);
    if (!recheck.result.ok) return formPage(ctx, application, { values: recheck.input, errors: recheck.result.errors });
    if ((await applications(services).listDocuments(application.id)).length === 0) {
      return confirmPage(ctx, application, addError({}, 'documents', t('apply.error.need_document')), 400);
    }
    try {
      await submitApplication(services, application, ctx.ip);
    } catch (error) {
      if (!(error instanceof ApplicationStateError)) throw error;
    }
    ctx.cookies.set(COOKIE, null, { path: BASE });
    renderMessage(ctx, { title: t('apply.done.title'), paragraphs: t.list('apply.done') });
  }));

  return router;
}
