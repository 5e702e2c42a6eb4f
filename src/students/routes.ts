import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { ACR } from '../oidc/provider.js';
import type { Translate } from '../web/i18n.js';
import { verifyCsrf } from '../web/csrf.js';
import { addError, type FieldErrors } from '../web/forms.js';
import { finishInteraction, interactionOf, interactionPath, type InteractionDetails, type WebDeps } from '../web/interaction.js';
import { render, renderMessage, type PageState } from '../web/render.js';
import {
  authenticateStudent, confirmEmail, requestEmailVerification, requestSecondPasswordReset, resetSecondPassword,
  setInitialSecondPassword, STUDENT_PATHS, type SecondPasswordCheck,
} from './service.js';
import { emailForm, forgotForm, loginForm, newSecondPasswordForm, resetForm } from './forms.js';
import type { PasswordPolicy } from '../config/types.js';
import { federationRoutes, federationScreens } from './federation-routes.js';

export const formBody = bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' });

function page(ctx: Context): PageState {
  return ctx.state as PageState;
}

/** The rules a new second password must follow, as the screen lists them. */
export function secondPasswordRules(t: Translate, policy: PasswordPolicy): string[] {
  const rules = [t('second_password.rule.min_length', { min: policy.minLength })];
  if (policy.requireUppercase) rules.push(t('second_password.rule.uppercase'));
  if (policy.requireLowercase) rules.push(t('second_password.rule.lowercase'));
  if (policy.requireDigit) rules.push(t('second_password.rule.digit'));
  if (policy.alphanumericOnly) rules.push(t('second_password.rule.alphanumeric'));
  return rules;
}

/** Turns a rejected second password into messages on the form's fields. */
export function secondPasswordErrors(t: Translate, policy: PasswordPolicy, check: Extract<SecondPasswordCheck, { kind: 'invalid' }>, field = 'second_password', label = t('second_password.label')): FieldErrors {
  const errors: FieldErrors = {};
  for (const violation of check.violations) {
    const message = violation === 'same_as_forbidden'
      ? t('policy.same_as_current', { field: label })
      : t(`policy.${violation}`, { field: label, min: policy.minLength, max: policy.maxLength });
    addError(errors, field, message);
  }
  if (check.sameAsUniversity) addError(errors, field, t('policy.same_as_university', { field: label }));
  if (check.mismatch) addError(errors, `${field}_confirm`, t('field.mismatch', { field: label }));
  return errors;
}

export function renderUnavailable(ctx: Context): void {
  const { t } = page(ctx);
  renderMessage(ctx, { title: t('error.directory_unavailable_title'), paragraphs: [t('error.directory_unavailable')], status: 503, tone: 'error' });
}

/** The screens of the student prompts, shown by the interaction dispatcher. */
export function studentScreens(deps: WebDeps) {
  const { services } = deps;
  const config = services.config;
  const federation = federationScreens(deps);
  return {
    login(ctx: Context, details: InteractionDetails, options: { errors?: FieldErrors; values?: Record<string, unknown>; failed?: boolean } = {}): void | Promise<void> {
      // With the university's OpenID Connect SSO, the student signs in there (and gives the second password here).
      if (services.directory.kind === 'redirect') return federation.login(ctx, details);
      const { t, lang } = page(ctx);
      render(ctx, 'students/login', {
        title: t('login.student.title'),
        uid: details.uid,
        notes: config.branding.studentLoginNotes[lang],
        errors: options.errors,
        values: options.values,
        failed: options.failed,
        chooser: Boolean(config.graduates) && !details.params.login_type,
      });
    },
    emailRegistration(ctx: Context, details: InteractionDetails, options: { errors?: FieldErrors; values?: Record<string, unknown>; sent?: boolean } = {}) {
      const { t } = page(ctx);
      render(ctx, 'students/email-registration', {
        title: t('email_setup.title'),
        uid: details.uid,
        allowListAddress: config.mail.allowListAddress ?? config.mail.from,
        minutes: config.lifetimes.oneTimeUrlMinutes,
        errors: options.errors,
        values: options.values,
        sent: options.sent,
      });
    },
    secondPassword(ctx: Context, details: InteractionDetails, options: { errors?: FieldErrors } = {}) {
      const { t } = page(ctx);
      render(ctx, 'students/second-password', {
        title: t('second_password.title'),
        uid: details.uid,
        rules: secondPasswordRules(t, config.passwordPolicy.secondPassword),
        errors: options.errors,
      });
    },
  };
}

export function studentRoutes(deps: WebDeps): Router {
  const { services, provider } = deps;
  const screens = studentScreens(deps);
  const policy = services.config.passwordPolicy.secondPassword;
  const router = new Router();
  router.use(federationRoutes(deps).routes());

  router.post('/interaction/:uid/login', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const details = await interactionOf(ctx, provider);
    if (details.prompt.name !== 'login') return ctx.redirect(`/interaction/${details.uid}`);
    const { t } = page(ctx);
    const form = loginForm(ctx.request.body, t);
    const values = { user_id: typeof (ctx.request.body as Record<string, unknown>)?.user_id === 'string' ? (ctx.request.body as Record<string, string>).user_id : '' };
    if (!form.ok) return screens.login(ctx, details, { errors: form.errors, values });
    const outcome = await authenticateStudent(services, {
      userId: form.value.user_id,
      password: form.value.password,
      secondPassword: form.value.second_password,
      ip: ctx.ip,
    });
    if (outcome.kind === 'unavailable') return renderUnavailable(ctx);
    if (outcome.kind === 'invalid') return screens.login(ctx, details, { values: { user_id: form.value.user_id }, failed: true });
    await finishInteraction(ctx, provider, {
      login: {
        accountId: outcome.account.id,
        acr: outcome.complete ? ACR.twoPasswords : ACR.password,
        amr: ['pwd'],
        // A browser-session cookie: the manual tells users to close the browser after use.
        remember: false,
      },
    }, false);
  });

  router.post('/interaction/:uid/email', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const details = await interactionOf(ctx, provider);
    const account = details.session?.accountId ? await services.accounts.findById(details.session.accountId) : null;
    if (details.prompt.name !== 'email_registration' || !account) return ctx.redirect(`/interaction/${details.uid}`);
    const { t, lang } = page(ctx);
    const form = emailForm(ctx.request.body, t);
    const values = ctx.request.body as Record<string, unknown>;
    if (!form.ok) return screens.emailRegistration(ctx, details, { errors: form.errors, values });
    const result = await requestEmailVerification(services, {
      account, email: form.value.email, lang, purpose: 'register_email', interactionUid: details.uid, ip: ctx.ip,
    });
    if (result.kind === 'limited') return screens.emailRegistration(ctx, details, { errors: addError({}, 'email', t('error.mail_limit')), values });
    screens.emailRegistration(ctx, details, { sent: true });
  });

  router.post('/interaction/:uid/second-password', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const details = await interactionOf(ctx, provider);
    const account = details.session?.accountId ? await services.accounts.findById(details.session.accountId) : null;
    if (details.prompt.name !== 'second_password' || !account) return ctx.redirect(`/interaction/${details.uid}`);
    const { t } = page(ctx);
    const form = newSecondPasswordForm(ctx.request.body, t);
    if (!form.ok) return screens.secondPassword(ctx, details, { errors: form.errors });
    const result = await setInitialSecondPassword(services, {
      account, candidate: form.value.second_password, confirmation: form.value.second_password_confirm, ip: ctx.ip,
    });
    if (result.kind === 'unavailable') return renderUnavailable(ctx);
    if (result.kind === 'invalid') return screens.secondPassword(ctx, details, { errors: secondPasswordErrors(t, policy, result) });
    renderMessage(ctx, {
      title: t('second_password.done_title'),
      paragraphs: [t('second_password.done')],
      link: { href: `/interaction/${details.uid}`, label: t('common.ok') },
    });
  });

  router.get(STUDENT_PATHS.confirmEmail, async (ctx) => {
    const { t } = page(ctx);
    const result = await confirmEmail(services, { token: ctx.query.token, purpose: 'register_email', ip: ctx.ip });
    if (result.kind !== 'done') return renderTokenProblem(ctx, result.kind);
    const back = interactionPath(result.interactionUid);
    renderMessage(ctx, {
      title: t('email_setup.done_title'),
      paragraphs: t.list('email_setup.done'),
      link: back ? { href: back, label: t('common.go_to_login') } : undefined,
    });
  });

  const forgotPath = '/students/second-password/forgot';
  router.get(forgotPath, async (ctx) => {
    const { t } = page(ctx);
    render(ctx, 'students/forgot', { title: t('forgot.title'), interaction: interactionPath(ctx.query.interaction) ? ctx.query.interaction : '' });
  });
  router.post(forgotPath, formBody, async (ctx) => {
    verifyCsrf(ctx);
    const { t, lang } = page(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const interaction = interactionPath(body.interaction) ? String(body.interaction) : '';
    const { interaction: _ignored, ...fields } = body;
    const form = forgotForm(fields, t);
    if (!form.ok) return render(ctx, 'students/forgot', { title: t('forgot.title'), errors: form.errors, values: fields, interaction });
    await requestSecondPasswordReset(services, { email: form.value.email, lang, interactionUid: interaction || undefined, ip: ctx.ip });
    const back = interactionPath(interaction);
    renderMessage(ctx, {
      title: t('forgot.title'),
      paragraphs: [t('forgot.sent')],
      link: back ? { href: back, label: t('common.go_to_login') } : undefined,
    });
  });

  router.get(STUDENT_PATHS.resetSecondPassword, async (ctx) => {
    const { t } = page(ctx);
    const checked = await services.tokens.check('reset_second_password', ctx.query.token);
    if (checked.status !== 'valid') return renderTokenProblem(ctx, checked.status);
    render(ctx, 'students/reset', { title: t('forgot.title'), token: ctx.query.token, rules: secondPasswordRules(t, policy) });
  });
  router.post(STUDENT_PATHS.resetSecondPassword, formBody, async (ctx) => {
    verifyCsrf(ctx);
    const { t } = page(ctx);
    const form = resetForm(ctx.request.body, t);
    const token = (ctx.request.body as Record<string, unknown>).token;
    const rules = secondPasswordRules(t, policy);
    if (!form.ok) return render(ctx, 'students/reset', { title: t('forgot.title'), token, rules, errors: form.errors });
    const result = await resetSecondPassword(services, {
      token: form.value.token, candidate: form.value.second_password, confirmation: form.value.second_password_confirm, ip: ctx.ip,
    });
    if (result.kind === 'unavailable') return renderUnavailable(ctx);
    if (result.kind === 'invalid') return render(ctx, 'students/reset', { title: t('forgot.title'), token, rules, errors: secondPasswordErrors(t, policy, result.check) });
    if (result.kind !== 'done') return renderTokenProblem(ctx, result.kind);
    const back = interactionPath(result.interactionUid);
    renderMessage(ctx, {
      title: t('second_password.done_title'),
      paragraphs: [t('second_password.changed')],
      link: back ? { href: back, label: t('common.ok') } : undefined,
    });
  });

  return router;
}

export function renderTokenProblem(ctx: Context, kind: 'expired' | 'used' | 'unknown' | 'taken'): void {
  const { t } = page(ctx);
  const message = kind === 'expired' ? t('token.expired') : kind === 'used' ? t('token.used') : kind === 'taken' ? t('token.address_taken') : t('token.unknown');
  renderMessage(ctx, { title: t('token.title'), paragraphs: [message], status: kind === 'expired' || kind === 'used' ? 410 : 400, tone: 'error' });
}
