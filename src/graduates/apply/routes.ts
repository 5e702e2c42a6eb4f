import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Lang } from '../../config/types.js';
import type { ApplicationRow } from '../../db/entities.js';
import { emailForm } from '../../email-verification/forms.js';
import { requireCsrf } from '../../web/csrf.js';
import { formPost } from '../../web/form-body.js';
import { addError, type FieldErrors } from '../../web/forms.js';
import { parseMultipart } from '../../web/multipart.js';
import { pageOf, render, renderMessage } from '../../web/render.js';
import type { WebDeps } from '../../web/interaction.js';
import { APPLY_PATHS } from '../../applications/paths.js';
import { applicationFormValidator } from '../../applications/form.js';
import { searchAddress } from '../../applications/address-search.js';
import { activeCatalogue } from '../../applications/catalogue.js';
import { applicationSections, documentCaption, DOCUMENT_CAPTIONS, isDocumentCaption } from '../../applications/view.js';
import { checkApplicationKey, formOf, openApplication, saveApplicationForm, savedFormSummary } from '../applicant.js';
import { applicantCookie, postedKey, renderMailedUrlLanding, renderUnopenedUrl } from '../mailed-url.js';
import { renderTerms } from '../terms.js';
import { documentUploadForm, maxMegabytes, type PostedUpload } from './forms.js';
import { acceptApplicationTerms, currentApplication, nextSteps, requestApplication, storeDocuments, submitApplication, termsAccepted } from './service.js';
import type { ApplyTextKey } from './texts.js';

const BASE = '/graduates/apply';

/** What the applicant's pages find in ctx.state: the application of the cookie, and a parsed upload. */
interface ApplicantState { application: ApplicationRow; upload: PostedUpload }
const applicantOf = (ctx: Context) => ctx.state as ApplicantState;

/** The graduate's application (manual 002 §2.1 steps 1–16): 新規登録手続き → … → 申請受付. */
export function applyRoutes({ services }: Pick<WebDeps, 'services'>): Router {
  const router = new Router();
  const graduates = services.config.graduates;
  if (!graduates) return router;
  const { config } = services;
  const cookie = applicantCookie('cert_idp.apply', BASE, config.issuer.startsWith('https://'));
  const formValidator = applicationFormValidator(graduates);
  const { postalCodes } = services;

  /** The applicant's application (from the cookie) while it may be edited, or a page that explains why not. */
  const applicant: Middleware = async (ctx, next) => {
    const { t } = pageOf<ApplyTextKey>(ctx);
    const current = await currentApplication(services, cookie.read(ctx));
    switch (current.kind) {
      case 'expired': return renderMessage(ctx, { title: t('apply.request.title'), paragraphs: [t('apply.expired')], link: { href: BASE, label: t('apply.request.title') }, status: 410, tone: 'error' });
      case 'none': return renderMessage(ctx, { title: t('apply.request.title'), paragraphs: [t('apply.no_access')], status: 400, tone: 'error' });
      case 'closed': case 'decided': return renderMessage(ctx, { title: t('apply.done.title'), paragraphs: [t(`apply.${current.kind}`)] });
    }
    if (!termsAccepted(services, current.application) && ctx.path !== `${BASE}/terms`) return ctx.redirect(`${BASE}/terms`);
    applicantOf(ctx).application = current.application;
    await next();
  };
  /** The steps after the form: only once it was saved. */
  const formSaved: Middleware = (ctx, next) => (applicantOf(ctx).application.form ? next() : ctx.redirect(`${BASE}/form`));

  // 新規登録手続き: the address to apply with.
  const requestPage = (ctx: Context, extra: Record<string, unknown> = {}) => render(ctx, 'graduates/apply/request', {
    title: pageOf<ApplyTextKey>(ctx).t('apply.request.title'), allowListAddress: config.mail.allowListAddress ?? config.mail.from, ...extra,
  });
  router.get(BASE, (ctx) => requestPage(ctx));
  router.post(BASE, formPost(), async (ctx) => {
    const { t, lang } = pageOf<ApplyTextKey>(ctx);
    const values = ctx.request.body as Record<string, unknown>;
    const form = emailForm(values, t);
    if (!form.ok) return requestPage(ctx, { errors: form.errors, values });
    const result = await requestApplication(services, { email: form.value.email, lang, ip: ctx.ip });
    if (result.kind === 'limited') return requestPage(ctx, { errors: addError({}, 'email', t('apply.limited')), values });
    renderMessage(ctx, { title: t('apply.request.title'), paragraphs: [t('email_setup.sent'), t('apply.request.sent_detail')] });
  });

  // The mailed URL (G1's, or the staff's resubmission request): GET and HEAD only show the landing page;
  // its button uses the key up and a longer-lived one goes into a cookie for this folder, in this browser.
  // Only an account application (G1) opens here: a G5 key has its own URL and pages.
  const retry = (ctx: Context) => ({ href: BASE, label: pageOf<ApplyTextKey>(ctx).t('apply.request.title') });
  const landing = (ctx: Context, application: ApplicationRow, key: string, errors?: FieldErrors) => {
    const { t } = pageOf<ApplyTextKey>(ctx);
    renderMailedUrlLanding(ctx, {
      title: t('apply.landing.title'), address: application.email, key, errors, action: APPLY_PATHS.continue, button: t('apply.landing.continue'),
      paragraphs: [application.status === 'resubmission_requested' ? t('apply.landing.resubmission') : t('apply.landing.lead')],
    }, errors ? 403 : 200);
  };
  router.get(APPLY_PATHS.continue, async (ctx) => {
    const checked = await checkApplicationKey(services, ctx.query.key, 'account');
    if (checked.kind !== 'ok') return renderUnopenedUrl(ctx, checked.kind, retry(ctx));
    landing(ctx, checked.application, String(ctx.query.key));
  });
  /** A post without a valid CSRF token (e.g. the page was left open too long): the landing page again, if the key still works. */
  const landingAgain = async (ctx: Context) => {
    const checked = await checkApplicationKey(services, postedKey(ctx), 'account');
    if (checked.kind !== 'ok') return renderUnopenedUrl(ctx, checked.kind, retry(ctx));
    landing(ctx, checked.application, String(postedKey(ctx)), addError({}, 'form', pageOf<ApplyTextKey>(ctx).t('error.csrf')));
  };
  router.post(APPLY_PATHS.continue, formPost({ onCsrfRejected: landingAgain }), async (ctx) => {
    const opened = await openApplication(services, postedKey(ctx), 'account');
    if (opened.kind !== 'ok') return renderUnopenedUrl(ctx, opened.kind, retry(ctx));
    cookie.keep(ctx, opened.key);
    ctx.redirect(termsAccepted(services, opened.application) ? `${BASE}/form` : `${BASE}/terms`);
  });

  // 利用許諾
  const termsPage = (ctx: Context, errors?: FieldErrors) => renderTerms(ctx, graduates.terms, { action: `${BASE}/terms`, errors });
  router.get(`${BASE}/terms`, applicant, (ctx) => termsPage(ctx));
  router.post(`${BASE}/terms`, applicant, formPost(), async (ctx) => {
    const { t } = pageOf<ApplyTextKey>(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    if (body.agree !== 'yes') return termsPage(ctx, addError({}, 'agree', t('terms.must_agree')));
    if (!(await acceptApplicationTerms(services, applicantOf(ctx).application, String(body.terms_version ?? '')))) {
      return termsPage(ctx, addError({}, 'agree', t('terms.version_changed')));
    }
    ctx.redirect(`${BASE}/form`);
  });

  // 申請者情報: the form; 検索 fills the address from the postal code (without script, by this post).
  const formPage = async (ctx: Context, extra: { errors?: FieldErrors; values?: Record<string, string>; postalMessage?: { text: string; tone: 'info' | 'error' } } = {}) => {
    const { t, lang } = pageOf<ApplyTextKey>(ctx);
    const { application } = applicantOf(ctx);
    render(ctx, 'graduates/apply/form', {
      title: t('apply.form.title'),
      sections: applicationSections(t, formValidator.fields, await activeCatalogue(services.database)),
      notes: graduates.applicationNotes[lang],
      values: extra.values ?? { kind: 'new', ...(application.form ?? {}) },
      errors: extra.errors,
      postalMessage: extra.postalMessage,
      staffComment: application.status === 'resubmission_requested' ? application.staffComment : undefined,
    });
  };
  router.get(`${BASE}/form`, applicant, (ctx) => formPage(ctx));
  router.post(`${BASE}/form`, applicant, formPost(), async (ctx) => {
    const { t } = pageOf<ApplyTextKey>(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const { result, input } = formValidator.validate(body, t, await activeCatalogue(services.database));
    const search = await searchAddress(postalCodes, body.action, input, t);
    if (search) return formPage(ctx, { values: search.values, postalMessage: search.message });
    // 選択 of the 大学名/学部名 selects without JavaScript: the same page with the next list.
    if (body.action === 'catalogue') return formPage(ctx, { values: input });
    if (!result.ok) return formPage(ctx, { values: input, errors: result.errors });
    const saved = await saveApplicationForm(services, applicantOf(ctx).application, formOf(formValidator.fields, input));
    if (saved.kind === 'unknown_catalogue') {
      return formPage(ctx, { values: input, errors: addError({}, 'catalogue_id', t('field.choose', { field: t('apply.department') })) });
    }
    ctx.redirect(`${BASE}/documents`);
  });

  // 本人確認書類: images, one upload at a time or several; a rejected file loses nothing else.
  const documentTypes = (lang: Lang) => graduates.documentTypes.map((d) => ({ id: d.id, label: d[lang] }));
  const documentsView = async (application: ApplicationRow, lang: Lang) => {
    const types = documentTypes(lang);
    return (await services.applications.listDocuments(application.id))
      .map((doc, index) => ({ ...doc, typeLabel: types.find((d) => d.id === doc.documentType)?.label ?? doc.documentType, captionLabel: documentCaption(doc, index, lang) }));
  };
  const captionChoices = (lang: Lang) => Object.entries(DOCUMENT_CAPTIONS).map(([value, label]) => ({ value, label: label[lang] }));
  const documentsPage = async (ctx: Context, extra: { errors?: FieldErrors; notice?: string; values?: Record<string, string> } = {}, status = 200) => {
    const { t, lang } = pageOf<ApplyTextKey>(ctx);
    const { application } = applicantOf(ctx);
    render(ctx, 'graduates/apply/documents', {
      title: t('apply.section.documents'), documents: await documentsView(application, lang), documentTypes: documentTypes(lang),
      captions: captionChoices(lang),
      maxFiles: graduates.uploads.maxFiles, maxMegabytes: maxMegabytes(graduates), errors: extra.errors, notice: extra.notice,
      values: extra.values ?? { document_type: application.form?.document_type ?? '' },
    }, status);
  };
  /** The multipart body, read with as many files as the application has room for (at least one, to report). */
  const parseUpload: Middleware = async (ctx, next) => {
    const state = applicantOf(ctx);
    const existing = (await services.applications.listDocuments(state.application.id)).length;
    const room = Math.max(0, graduates.uploads.maxFiles - existing);
    const body = await parseMultipart(ctx, { maxFileBytes: graduates.uploads.maxBytes, maxFiles: Math.max(room, 1) });
    ctx.request.body = body.fields;
    state.upload = { ...body, room };
    await next();
  };
  router.get(`${BASE}/documents`, applicant, formSaved, (ctx) => documentsPage(ctx));
  // 画像を追加, and 確認 (action=next): a file chosen but not yet added is added by 確認 too (the page's
  // script adds it as soon as it is chosen), so that none is silently left behind.
  router.post(`${BASE}/documents`, applicant, parseUpload, requireCsrf(), async (ctx) => {
    const state = applicantOf(ctx);
    const { t } = pageOf<ApplyTextKey>(ctx);
    const next = state.upload.fields.action === 'next';
    const chosen = state.upload.files.some((f) => f.size > 0 || f.filename);
    if (next && !chosen) return ctx.redirect(`${BASE}/confirm`);
    const form = documentUploadForm(graduates, state.upload, t);
    if (!form.ok) return documentsPage(ctx, { errors: form.errors, values: { document_type: form.documentType, caption: state.upload.fields.caption ?? '' } }, 400);
    if ((await storeDocuments(services, state.application, form.value, graduates.uploads.maxFiles)) === 'full') {
      // Another upload (a second tab, a double click) took the room this one had when it began.
      return documentsPage(ctx, { errors: addError({}, 'files', t('apply.error.count', { count: graduates.uploads.maxFiles })), values: { document_type: form.value.documentType } }, 400);
    }
    if (next) return ctx.redirect(`${BASE}/confirm`);
    state.application = (await services.applications.findById(state.application.id))!;
    await documentsPage(ctx, { notice: t('apply.documents.uploaded') });
  });
  // 画像の内容 (表面/裏面/その他) of an image already added.
  router.post(`${BASE}/documents/:id/caption`, applicant, formPost(), async (ctx) => {
    const { t } = pageOf<ApplyTextKey>(ctx);
    const caption = (ctx.request.body as Record<string, unknown>).caption;
    const id = ctx.params.id ?? '';
    if (caption !== '' && !isDocumentCaption(caption)) {
      return documentsPage(ctx, { errors: addError({}, `caption-${id}`, t('field.choose', { field: t('apply.documents.caption') })) }, 400);
    }
    const applicationId = applicantOf(ctx).application.id;
    // A page left open after the image was removed (in another tab, say): say so rather than "changed".
    if (!(await services.applications.findDocument(applicationId, id))) {
      return documentsPage(ctx, { errors: addError({}, 'documents', t('apply.documents.gone')) }, 404);
    }
    await services.applications.setDocumentCaption(applicationId, id, isDocumentCaption(caption) ? caption : null);
    await documentsPage(ctx, { notice: t('apply.documents.caption_saved') });
  });
  router.get(`${BASE}/documents/:id`, applicant, async (ctx) => {
    const doc = await services.applications.findDocument(applicantOf(ctx).application.id, ctx.params.id ?? '');
    if (!doc) return ctx.throw(404);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = doc.contentType;
    ctx.body = services.vault.decrypt(doc.data);
  });
  router.post(`${BASE}/documents/:id/delete`, applicant, formPost(), async (ctx) => {
    await services.applications.removeDocument(applicantOf(ctx).application.id, ctx.params.id ?? '');
    ctx.redirect(`${BASE}/documents`);
  });

  // 確認 → 申請 → 申請受付
  const confirmPage = async (ctx: Context, errors?: FieldErrors, status = 200) => {
    const { t, lang } = pageOf<ApplyTextKey>(ctx);
    const { application } = applicantOf(ctx);
    const form = application.form ?? {};
    render(ctx, 'graduates/apply/confirm', {
      title: t('apply.confirm.title'), summary: savedFormSummary(t, formValidator.fields, await activeCatalogue(services.database), form),
      documents: await documentsView(application, lang), documentTypeLabel: documentTypes(lang).find((d) => d.id === form.document_type)?.label, errors,
    }, status);
  };
  router.get(`${BASE}/confirm`, applicant, formSaved, (ctx) => confirmPage(ctx));
  const defaultNextSteps = { ja: services.texts.for('ja').list('apply.next_steps'), en: services.texts.for('en').list('apply.next_steps') };
  router.post(`${BASE}/confirm`, applicant, formPost(), formSaved, async (ctx) => {
    const { t, lang } = pageOf<ApplyTextKey>(ctx);
    const { application } = applicantOf(ctx);
    const recheck = formValidator.validate(application.form!, t, await activeCatalogue(services.database));
    if (!recheck.result.ok) return formPage(ctx, { values: recheck.input, errors: recheck.result.errors });
    const submitted = await submitApplication(services, application, ctx.ip, defaultNextSteps);
    if (submitted.kind === 'no_documents') return confirmPage(ctx, addError({}, 'documents', t('apply.error.need_document')), 400);
    cookie.clear(ctx);
    if (submitted.kind === 'unchanged') return renderMessage(ctx, { title: t('apply.done.title'), paragraphs: [t('apply.closed')] });
    render(ctx, 'graduates/apply/received', {
      title: t('apply.done.title'), receiptNumber: submitted.receiptNumber, nextSteps: nextSteps(config, lang, defaultNextSteps[lang]),
    });
  });

  return router;
}
