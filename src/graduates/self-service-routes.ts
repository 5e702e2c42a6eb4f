import Router from '@koa/router';
import type { Context } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { reauthenticationRedirect } from '../account/reauth.js';
import { pendingSetup, setupComplete } from '../accounts/account-store.js';
import type { PersonalDataGroup } from '../config/types.js';
import type { AccountRow, ApplicationRow } from '../db/entities.js';
import { sessionTtlSeconds } from '../oidc/provider.js';
import { createPostalCodeLookup } from '../postal/lookup.js';
import { formatPostalCode } from '../postal/normalize.js';
import { formBody } from '../students/routes.js';
import { CsrfError, verifyCsrf } from '../web/csrf.js';
import { addError, type FieldErrors } from '../web/forms.js';
import type { WebDeps } from '../web/interaction.js';
import { render, type PageState } from '../web/render.js';
import type { ApplicationForm } from './application-rules.js';
import { formValidatorFor } from './application-form.js';
import { ApplicationStateError } from './application-store.js';
import { saveApplicationForm } from './apply-service.js';
import { applicationSections, applicationSummary } from './apply-view.js';
import { activeCatalogue } from './catalogue.js';
import {
  changePersonalData, currentEnrollment, currentPersonalValues, enrollmentFields, groupOf, hasEnrollment, openEnrollment,
  pendingPersonalRequests, personalFields, requestEnrollment, reviewedGroups, SELF_SERVICE_PATHS, submitEnrollment,
} from './self-service.js';
import { selfServiceTranslator, type SelfServiceTranslate } from './self-service-i18n.js';

const COOKIE = 'cert_idp.enrollment';
const ENROL = '/account/enrollments';

/**
 * The graduate's self-service pages, on the account menu's session: G5 学籍番号追加登録 (manual 002
 * §2.3) and G6 個人情報設定・変更 (§2.4(a)). Kept apart from src/account/routes.ts; only signed-in
 * graduates reach them (a student gets 403).
 */
export function selfServiceRoutes({ services, provider }: WebDeps): Router {
  const router = new Router();
  const graduates = services.config.graduates;
  if (!graduates) return router;
  const { config } = services;
  const secure = config.issuer.startsWith('https://');
  const enrolValidator = formValidatorFor(enrollmentFields(graduates));
  const personalValidator = formValidatorFor(personalFields(graduates));
  const postalCodes = createPostalCodeLookup(services);

  const tr = (ctx: Context): SelfServiceTranslate => selfServiceTranslator((ctx.state as PageState).lang);
  const page = (ctx: Context, view: string, locals: Record<string, unknown>, status = 200) => render(ctx, view, { ...locals, t: tr(ctx) }, status);
  const message = (ctx: Context, options: { title: string; paragraphs: readonly string[]; link?: { href: string; label: string }; status?: number; tone?: 'info' | 'error' }) =>
    page(ctx, 'message', { title: options.title, paragraphs: options.paragraphs, link: options.link, tone: options.tone ?? 'info' }, options.status ?? 200);
  const menuLink = (ctx: Context) => ({ href: '/account', label: tr(ctx)('common.ok') });

  /** The signed-in account of the provider's session (as the account menu reads it), or undefined. */
  async function signedIn(ctx: Context): Promise<AccountRow | undefined> {
    const session = await provider.Session.get(ctx as unknown as KoaContextWithOIDC);
    if (!session.accountId) return undefined;
    const account = await services.accounts.findById(session.accountId);
    if (!account || account.locked) return undefined;
    if (!setupComplete(pendingSetup(account, graduates?.terms.version))) return undefined;
    await session.save(sessionTtlSeconds(config.lifetimes, session.loginTs));
    return account;
  }

  /** A signed-in graduate only: others sign in first (through the menu), students get 403. */
  const withGraduate = (handler: (ctx: Context, account: AccountRow) => Promise<void> | void) => async (ctx: Context) => {
    const account = await signedIn(ctx);
    if (!account) return ctx.redirect(ctx.method === 'GET' ? '/account?login_type=graduate' : '/account');
    if (account.userType !== 'graduate' || !account.email) {
      const t = tr(ctx);
      return message(ctx, { title: t('error.title'), paragraphs: [t('self.graduates_only')], link: { href: '/account', label: t('common.menu') }, status: 403, tone: 'error' });
    }
    await handler(ctx, account);
  };

  /** CSRF as everywhere, but answered on the same page with what was typed. */
  function csrfOk(ctx: Context): boolean {
    try {
      verifyCsrf(ctx);
      return true;
    } catch (error) {
      if (error instanceof CsrfError) return false;
      throw error;
    }
  }
  const csrfErrors = (ctx: Context): FieldErrors => addError({}, 'form', tr(ctx)('error.csrf'));

  // G5 — 学籍番号追加登録 ---------------------------------------------------------------------------------

  const startPage = (ctx: Context, errors?: FieldErrors, status = 200) => page(ctx, 'graduates/self-service/enrollment-start', { title: tr(ctx)('enrol.title'), errors }, status);
  router.get(SELF_SERVICE_PATHS.enrollmentNew, withGraduate((ctx) => startPage(ctx)));
  router.post(SELF_SERVICE_PATHS.enrollmentNew, formBody, withGraduate(async (ctx, account) => {
    const t = tr(ctx);
    if (!csrfOk(ctx)) return startPage(ctx, csrfErrors(ctx), 403);
    const result = await requestEnrollment(services, { account, lang: (ctx.state as PageState).lang, ip: ctx.ip });
    if (result.kind === 'limited') return startPage(ctx, addError({}, 'request', t('enrol.limited')), 429);
    message(ctx, { title: t('enrol.requested_title'), paragraphs: t.list('enrol.requested'), link: menuLink(ctx) });
  }));

  router.get(SELF_SERVICE_PATHS.enrollmentContinue, async (ctx) => {
    const t = tr(ctx);
    const opened = await openEnrollment(services, ctx.query.key);
    if (opened.kind !== 'ok') {
      return message(ctx, {
        title: t('token.title'), paragraphs: [t(opened.kind === 'expired' ? 'token.expired' : 'token.unknown')],
        link: { href: SELF_SERVICE_PATHS.enrollmentNew, label: t('enrol.title') }, status: opened.kind === 'expired' ? 410 : 400, tone: 'error',
      });
    }
    ctx.cookies.set(COOKIE, opened.key, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: ENROL, overwrite: true });
    ctx.redirect(`${ENROL}/form`);
  });

  /** The application of the cookie set by the mailed URL (the key proves the account's address). */
  const withEnrollment = (handler: (ctx: Context, application: ApplicationRow, account: AccountRow) => Promise<void> | void) => async (ctx: Context) => {
    const t = tr(ctx);
    const current = await currentEnrollment(services, ctx.cookies.get(COOKIE, { signed: true }));
    if (current.kind === 'expired') return message(ctx, { title: t('enrol.title'), paragraphs: [t('enrol.expired')], link: { href: SELF_SERVICE_PATHS.enrollmentNew, label: t('enrol.title') }, status: 410, tone: 'error' });
    if (current.kind === 'closed') return message(ctx, { title: t('enrol.done_title'), paragraphs: [t('enrol.closed')], link: menuLink(ctx) });
    if (current.kind !== 'ok') return message(ctx, { title: t('enrol.title'), paragraphs: [t('enrol.no_access')], status: 400, tone: 'error' });
    await handler(ctx, current.application, current.account);
  };

  const enrolFormPage = async (ctx: Context, application: ApplicationRow, extra: { values?: Record<string, string>; errors?: FieldErrors } = {}, status = 200) => {
    const t = tr(ctx);
    const catalogue = await activeCatalogue(services.database);
    page(ctx, 'graduates/self-service/form', {
      title: t('enrol.form_title'), action: `${ENROL}/form`, lead: t('enrol.form_lead'), notes: t.list('enrol.form_notes'),
      sections: applicationSections(t, enrolValidator.fields, catalogue),
      values: extra.values ?? { ...(application.form ?? {}) }, errors: extra.errors,
      staffComment: application.status === 'resubmission_requested' ? application.staffComment : undefined,
    }, status);
  };
  router.get(`${ENROL}/form`, withEnrollment((ctx, application) => enrolFormPage(ctx, application)));
  router.post(`${ENROL}/form`, formBody, withEnrollment(async (ctx, application, account) => {
    const t = tr(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const { result, input } = enrolValidator.validate(body, t);
    if (!csrfOk(ctx)) return enrolFormPage(ctx, application, { values: input, errors: csrfErrors(ctx) }, 403);
    if (!result.ok) return enrolFormPage(ctx, application, { values: input, errors: result.errors }, 400);
    const form: ApplicationForm = {};
    for (const field of enrolValidator.fields) if (input[field] !== undefined) form[field] = input[field];
    const saved = await saveApplicationForm(services, application, form);
    if (saved.kind === 'unknown_catalogue') {
      return enrolFormPage(ctx, application, { values: input, errors: addError({}, 'catalogue_id', t('apply.error.choice', { field: t('apply.catalogue') })) }, 400);
    }
    const entry = (await activeCatalogue(services.database)).find((e) => e.id === form.catalogue_id)!;
    if (hasEnrollment(account, { university: entry.university, student_number: form.student_number ?? '' })) {
      return enrolFormPage(ctx, application, { values: input, errors: addError({}, 'student_number', t('enrol.already_linked')) }, 400);
    }
    ctx.redirect(`${ENROL}/confirm`);
  }));

  const enrolConfirmPage = async (ctx: Context, application: ApplicationRow) => {
    const t = tr(ctx);
    const catalogue = await activeCatalogue(services.database);
    const form = { ...(application.form ?? {}) };
    const summary = applicationSummary(t, applicationSections(t, enrolValidator.fields, catalogue), form);
    for (const section of summary) for (const row of section.rows) if (row.label === t('apply.catalogue')) row.value = [form.university, form.faculty, form.department].filter(Boolean).join(' / ');
    page(ctx, 'graduates/self-service/confirm', {
      title: t('enrol.confirm_title'), lead: t('apply.confirm.lead'), summary, action: `${ENROL}/confirm`, submitLabel: t('enrol.submit'), editHref: `${ENROL}/form`,
    });
  };
  router.get(`${ENROL}/confirm`, withEnrollment(async (ctx, application) => {
    if (!application.form) return ctx.redirect(`${ENROL}/form`);
    await enrolConfirmPage(ctx, application);
  }));
  router.post(`${ENROL}/confirm`, formBody, withEnrollment(async (ctx, application, account) => {
    const t = tr(ctx);
    if (!application.form) return ctx.redirect(`${ENROL}/form`);
    if (!csrfOk(ctx)) return enrolFormPage(ctx, application, { errors: csrfErrors(ctx) }, 403);
    const recheck = enrolValidator.validate(application.form, t);
    if (!recheck.result.ok) return enrolFormPage(ctx, application, { values: recheck.input, errors: recheck.result.errors }, 400);
    if (hasEnrollment(account, { university: application.form.university ?? '', student_number: application.form.student_number ?? '' })) {
      return enrolFormPage(ctx, application, { errors: addError({}, 'student_number', t('enrol.already_linked')) }, 400);
    }
    try {
      await submitEnrollment(services, application, ctx.ip);
    } catch (error) {
      if (!(error instanceof ApplicationStateError)) throw error;
    }
    ctx.cookies.set(COOKIE, null, { path: ENROL });
    message(ctx, { title: t('enrol.done_title'), paragraphs: t.list('enrol.done'), link: menuLink(ctx) });
  }));

  // G6 — 個人情報設定・変更 ---------------------------------------------------------------------------------

  const listSeparator = (ctx: Context) => ((ctx.state as PageState).lang === 'ja' ? '、' : ', ');
  const groupLabel = (t: SelfServiceTranslate) => (group: PersonalDataGroup) => t(`self.group.${group}`);

  const personalPage = async (
    ctx: Context, account: AccountRow,
    extra: { values?: Record<string, string>; errors?: FieldErrors; postalMessage?: { text: string; tone: 'info' | 'error' } } = {}, status = 200,
  ) => {
    const t = tr(ctx);
    const pending = await pendingPersonalRequests(services, account.id);
    const pendingGroups = [...new Set(pending.flatMap((p) => p.groups))];
    const shownReviewed = [...reviewedGroups(graduates)].filter((g) => personalValidator.fields.some((f) => groupOf(f) === g));
    page(ctx, 'graduates/self-service/form', {
      title: t('personal.title'), action: SELF_SERVICE_PATHS.personal, lead: t('personal.lead'), notes: t.list('personal.notes'), backHref: '/account',
      reviewNote: shownReviewed.length ? t('personal.review_note', { fields: shownReviewed.map(groupLabel(t)).join(listSeparator(ctx)) }) : undefined,
      pendingNote: pendingGroups.length ? t('personal.pending', { fields: pendingGroups.map(groupLabel(t)).join(listSeparator(ctx)) }) : undefined,
      sections: applicationSections(t, personalValidator.fields, []),
      values: extra.values ?? currentPersonalValues(account, personalValidator.fields),
      errors: extra.errors, postalMessage: extra.postalMessage,
    }, status);
  };

  /** Validates the posted values; a 検索 fills the address from the postal code (the no-script path). */
  async function readPersonal(ctx: Context, account: AccountRow): Promise<{ values: Record<string, string> } | undefined> {
    const t = tr(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const { result, input } = personalValidator.validate(body, t);
    for (const field of personalValidator.fields) input[field] ??= '';
    if (!csrfOk(ctx)) {
      await personalPage(ctx, account, { values: input, errors: csrfErrors(ctx) }, 403);
      return undefined;
    }
    const action = typeof body.action === 'string' ? body.action : 'next';
    const postal = /^postal:(home|work)$/.exec(action);
    if (postal) {
      const prefix = postal[1] as 'home' | 'work';
      const found = await postalCodes.search(input[`${prefix}_postal_code`] ?? '');
      if (found.status !== 'found' || !found.addresses[0]) {
        await personalPage(ctx, account, { values: input, postalMessage: { text: t(found.status === 'invalid' ? 'apply.postal_invalid' : 'apply.postal_not_found'), tone: 'error' } });
        return undefined;
      }
      const address = found.addresses[0];
      const filled = { ...input, [`${prefix}_postal_code`]: formatPostalCode(address.code), [`${prefix}_prefecture`]: address.prefecture, [`${prefix}_city`]: address.city, [`${prefix}_street`]: address.town };
      await personalPage(ctx, account, { values: filled, postalMessage: { text: t('apply.postal_found'), tone: 'info' } });
      return undefined;
    }
    if (!result.ok) {
      await personalPage(ctx, account, { values: input, errors: result.errors }, 400);
      return undefined;
    }
    return { values: input };
  }

  // A sensitive change: an old sign-in types the password again first (src/account/reauth.ts).
  router.get(SELF_SERVICE_PATHS.personal, withGraduate(async (ctx, account) => {
    const confirm = await reauthenticationRedirect(ctx, { services, provider }, SELF_SERVICE_PATHS.personal);
    if (confirm) return ctx.redirect(confirm);
    await personalPage(ctx, account);
  }));

  // 確認: the values travel in the confirmation form and are validated again at 変更.
  router.post(SELF_SERVICE_PATHS.personal, formBody, withGraduate(async (ctx, account) => {
    const t = tr(ctx);
    const read = await readPersonal(ctx, account);
    if (!read) return;
    const fields = personalValidator.fields;
    const current = currentPersonalValues(account, fields);
    const changed = fields.filter((f) => (read.values[f] ?? '') !== (current[f] ?? ''));
    if (!changed.length) return personalPage(ctx, account, { values: read.values, errors: addError({}, 'form', t('personal.no_change')) }, 400);
    const reviewed = reviewedGroups(graduates);
    const pending = new Set((await pendingPersonalRequests(services, account.id)).flatMap((p) => p.groups));
    const blocked = changed.filter((f) => reviewed.has(groupOf(f)!) && pending.has(groupOf(f)!));
    if (blocked.length) {
      const errors: FieldErrors = {};
      for (const field of blocked) addError(errors, field, t('personal.pending_field'));
      return personalPage(ctx, account, { values: read.values, errors }, 409);
    }
    // The changed items whose group waits for staff are marked on the confirmation.
    const sections = applicationSections(t, fields, []);
    const marked = applicationSummary(t, sections, read.values).map((section, s) => ({
      ...section,
      rows: section.rows.map((row, i) => {
        const name = sections[s]!.fields[i]!.name;
        return { ...row, reviewed: changed.some((f) => f === name) && reviewed.has(groupOf(name)!) };
      }),
    }));
    page(ctx, 'graduates/self-service/confirm', {
      title: t('personal.confirm_title'), lead: t('personal.confirm_lead'), summary: marked, action: `${SELF_SERVICE_PATHS.personal}/confirm`,
      hidden: Object.fromEntries(fields.map((f) => [f, read.values[f] ?? ''])), submitLabel: t('personal.change'), editHidden: true,
    });
  }));

  // 変更 → 変更完了 (or 修正: back to the form with the values).
  router.post(`${SELF_SERVICE_PATHS.personal}/confirm`, formBody, withGraduate(async (ctx, account) => {
    const t = tr(ctx);
    const read = await readPersonal(ctx, account);
    if (!read) return;
    if ((ctx.request.body as Record<string, unknown>).action === 'edit') return personalPage(ctx, account, { values: read.values });
    const confirm = await reauthenticationRedirect(ctx, { services, provider }, SELF_SERVICE_PATHS.personal);
    if (confirm) return ctx.redirect(confirm);
    const result = await changePersonalData(services, { account, values: read.values, labels: groupLabel(selfServiceTranslator(services.langOf(account.locale))), ip: ctx.ip });
    if (result.kind === 'no_change') return personalPage(ctx, account, { values: read.values, errors: addError({}, 'form', t('personal.no_change')) }, 400);
    if (result.kind === 'pending') {
      const errors: FieldErrors = {};
      for (const field of result.fields) addError(errors, field, t('personal.pending_field'));
      return personalPage(ctx, account, { values: read.values, errors }, 409);
    }
    const paragraphs = [
      ...(result.changed.length ? [t('personal.done')] : []),
      ...(result.requested.length ? [t('personal.done_review', { fields: result.requested.map(groupLabel(t)).join(listSeparator(ctx)) })] : []),
    ];
    message(ctx, { title: t('personal.done_title'), paragraphs, link: menuLink(ctx) });
  }));

  return router;
}
