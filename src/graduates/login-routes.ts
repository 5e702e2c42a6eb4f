import Router from '@koa/router';
import type { Context } from 'koa';
import type { PasswordPolicy } from '../config/types.js';
import { ACR } from '../oidc/provider.js';
import { formBody, secondPasswordRules } from '../students/routes.js';
import { verifyCsrf } from '../web/csrf.js';
import { addError, type FieldErrors } from '../web/forms.js';
import type { Translate } from '../web/i18n.js';
import { finishInteraction, interactionOf, type InteractionDetails, type WebDeps } from '../web/interaction.js';
import { render, renderMessage, type PageState } from '../web/render.js';
import { graduateLoginForm, passwordSetupForm, termsForm } from './forms.js';
import { authenticateGraduate, setUpGraduatePasswords, type PasswordSetupErrors } from './login-service.js';

function policyErrors(t: Translate, policy: PasswordPolicy, errors: FieldErrors, field: string, label: string, violations: string[]): void {
  for (const violation of violations) {
    addError(errors, field, t(`policy.${violation === 'same_as_forbidden' ? 'same_as_current' : violation}` as 'policy.too_short', { field: label, min: policy.minLength, max: policy.maxLength }));
  }
}

export function passwordSetupErrors(t: Translate, policies: { password: PasswordPolicy; secondPassword: PasswordPolicy }, result: PasswordSetupErrors): FieldErrors {
  const errors: FieldErrors = {};
  policyErrors(t, policies.password, errors, 'password', t('password_setup.password'), result.password);
  policyErrors(t, policies.secondPassword, errors, 'second_password', t('password_setup.second_password'), result.secondPassword);
  if (result.passwordMismatch) addError(errors, 'password_confirm', t('field.mismatch', { field: t('password_setup.password') }));
  if (result.secondPasswordMismatch) addError(errors, 'second_password_confirm', t('field.mismatch', { field: t('password_setup.second_password') }));
  if (result.sameAsInitial) addError(errors, 'password', t('policy.same_as_initial'));
  if (result.passwordsEqual) addError(errors, 'second_password', t('policy.passwords_equal'));
  return errors;
}

/** The graduate screens of the login interaction: chooser, 卒業生ログイン, パスワード設定, 利用許諾. */
export function graduateScreens({ services }: WebDeps) {
  const { config } = services;
  const policies = { password: config.passwordPolicy.password ?? config.passwordPolicy.secondPassword, secondPassword: config.passwordPolicy.secondPassword };
  return {
    policies,
    chooser(ctx: Context, details: InteractionDetails) {
      const { t } = ctx.state as PageState;
      render(ctx, 'chooser', { title: t('chooser.title'), uid: details.uid });
    },
    login(ctx: Context, details: InteractionDetails, options: { errors?: FieldErrors; values?: Record<string, unknown>; failed?: 'invalid' | 'initial_password_expired' } = {}) {
      const { t, lang } = ctx.state as PageState;
      render(ctx, 'graduates/login', {
        title: t('login.graduate.title'), uid: details.uid, notes: config.graduates?.loginNotes[lang] ?? [],
        errors: options.errors, values: options.values, failed: options.failed, chooser: !details.params.login_type,
      });
    },
    passwordSetup(ctx: Context, details: InteractionDetails, options: { errors?: FieldErrors } = {}) {
      const { t } = ctx.state as PageState;
      render(ctx, 'graduates/password-setup', {
        title: t('password_setup.title'), uid: details.uid, rules: secondPasswordRules(t, policies.password), errors: options.errors,
      });
    },
    terms(ctx: Context, details: InteractionDetails, options: { errors?: FieldErrors } = {}) {
      const { t, lang } = ctx.state as PageState;
      render(ctx, 'graduates/terms', {
        title: t('terms.title'), action: `/interaction/${details.uid}/terms`, updated: true,
        termsText: config.graduates?.terms.text[lang] ?? '', termsVersion: config.graduates?.terms.version ?? '', errors: options.errors,
      });
    },
  };
}

export function graduateLoginRoutes(deps: WebDeps): Router {
  const { services, provider } = deps;
  const screens = graduateScreens(deps);
  const router = new Router();

  router.post('/interaction/:uid/graduate-login', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const details = await interactionOf(ctx, provider);
    if (details.prompt.name !== 'login' || !services.config.graduates) return ctx.redirect(`/interaction/${details.uid}`);
    const { t } = ctx.state as PageState;
    const body = ctx.request.body as Record<string, unknown>;
    const values = { email: typeof body.email === 'string' ? body.email : '' };
    const form = graduateLoginForm(body, t);
    if (!form.ok) return screens.login(ctx, details, { errors: form.errors, values });
    const outcome = await authenticateGraduate(services, {
      email: form.value.email, password: form.value.password, secondPassword: form.value.second_password, ip: ctx.ip,
    });
    if (outcome.kind !== 'ok') return screens.login(ctx, details, { values, failed: outcome.kind });
    await finishInteraction(ctx, provider, {
      login: { accountId: outcome.account.id, acr: outcome.complete ? ACR.twoPasswords : ACR.password, amr: ['pwd'], remember: false },
    }, false);
  });

  router.post('/interaction/:uid/password-setup', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const details = await interactionOf(ctx, provider);
    const account = details.session?.accountId ? await services.accounts.findById(details.session.accountId) : null;
    if (details.prompt.name !== 'password_setup' || !account) return ctx.redirect(`/interaction/${details.uid}`);
    const { t } = ctx.state as PageState;
    const form = passwordSetupForm(ctx.request.body, t);
    if (!form.ok) return screens.passwordSetup(ctx, details, { errors: form.errors });
    const result = await setUpGraduatePasswords(services, {
      account, password: form.value.password, passwordConfirm: form.value.password_confirm,
      secondPassword: form.value.second_password, secondPasswordConfirm: form.value.second_password_confirm, ip: ctx.ip,
    });
    if (result.kind === 'invalid') return screens.passwordSetup(ctx, details, { errors: passwordSetupErrors(t, screens.policies, result.errors) });
    renderMessage(ctx, {
      title: t('second_password.done_title'),
      paragraphs: [t('password_setup.done'), t('password_setup.done_detail')],
      link: { href: `/interaction/${details.uid}`, label: t('common.ok') },
    });
  });

  router.post('/interaction/:uid/terms', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const details = await interactionOf(ctx, provider);
    const account = details.session?.accountId ? await services.accounts.findById(details.session.accountId) : null;
    const terms = services.config.graduates?.terms;
    if (details.prompt.name !== 'terms' || !account || !terms) return ctx.redirect(`/interaction/${details.uid}`);
    const { t } = ctx.state as PageState;
    const form = termsForm(ctx.request.body, t);
    if (!form.ok) return screens.terms(ctx, details, { errors: form.errors });
    if (form.value.terms_version !== terms.version) return screens.terms(ctx, details, { errors: addError({}, 'agree', t('terms.version_changed')) });
    if (form.value.agree !== 'yes') return screens.terms(ctx, details, { errors: addError({}, 'agree', t('terms.must_agree')) });
    await services.accounts.acceptTerms(account.id, terms.version);
    await services.audit.record('terms.accepted', { accountId: account.id, ip: ctx.ip, detail: { version: terms.version } });
    await finishInteraction(ctx, provider, {});
  });

  return router;
}
