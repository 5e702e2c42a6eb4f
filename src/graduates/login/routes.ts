import Router from '@koa/router';
import { ACR } from '../../oidc/provider.js';
import { formPost } from '../../web/form-body.js';
import { addError } from '../../web/forms.js';
import { finishInteraction, firstLoginStep, interactionOf, type WebDeps } from '../../web/interaction.js';
import { pageOf, renderMessage } from '../../web/render.js';
import { graduatePasswordPolicies, newPasswordsOf, passwordSetupErrors, typedPasswordErrors } from '../password-setup.js';
import { graduateLoginForm, passwordSetupForm, termsForm } from './forms.js';
import { graduateScreens } from './screens.js';
import { acceptTermsAtLogin, authenticateGraduate, setUpGraduatePasswords } from './service.js';
import type { GraduateLoginTextKey } from './texts.js';

/** The posts of the graduate screens of the login interaction: 卒業生ログイン, パスワード設定 (G3), 利用許諾 (G4). */
export function graduateLoginRoutes(deps: WebDeps): Router {
  const { services, provider } = deps;
  const screens = graduateScreens(deps);
  const policies = graduatePasswordPolicies(services.config);
  const router = new Router();

  router.post('/interaction/:uid/graduate-login', formPost(), async (ctx) => {
    const details = await interactionOf(ctx, provider);
    if (details.prompt.name !== 'login' || !services.config.graduates) return ctx.redirect(`/interaction/${details.uid}`);
    const { t } = pageOf<GraduateLoginTextKey>(ctx);
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
    }, false, details);
  });

  router.post('/interaction/:uid/password-setup', formPost(), async (ctx) => {
    const step = await firstLoginStep(ctx, deps, 'password_setup');
    if (!step) return;
    const { details, account } = step;
    const { t } = pageOf<GraduateLoginTextKey>(ctx);
    const form = passwordSetupForm(ctx.request.body, t);
    if (!form.ok) return screens.passwordSetup(ctx, details, { errors: typedPasswordErrors(t, policies, form.errors, ctx.request.body) });
    const result = await setUpGraduatePasswords(services, { account, ...newPasswordsOf(form.value), ip: ctx.ip });
    if (result.kind === 'invalid') return screens.passwordSetup(ctx, details, { errors: passwordSetupErrors(t, policies, result.errors) });
    if (result.kind === 'already_set') {
      return renderMessage(ctx, {
        title: t('password_setup.title'), paragraphs: [t('password_setup.already_set')],
        link: { href: `/interaction/${details.uid}`, label: t('common.ok') }, status: 409, tone: 'error',
      });
    }
    renderMessage(ctx, {
      title: t('second_password.done_title'),
      paragraphs: [t('password_setup.done'), t('password_setup.done_detail')],
      link: { href: `/interaction/${details.uid}`, label: t('common.ok') },
    });
  });

  router.post('/interaction/:uid/terms', formPost(), async (ctx) => {
    const step = await firstLoginStep(ctx, deps, 'terms');
    if (!step) return;
    const { details, account } = step;
    if (!services.config.graduates) return ctx.redirect(`/interaction/${details.uid}`);
    const { t } = pageOf<GraduateLoginTextKey>(ctx);
    const form = termsForm(ctx.request.body, t);
    if (!form.ok) return screens.terms(ctx, details, { errors: form.errors });
    const accepted = await acceptTermsAtLogin(services, { account, version: form.value.terms_version, agreed: form.value.agree === 'yes', ip: ctx.ip });
    if (accepted.kind !== 'ok') return screens.terms(ctx, details, { errors: addError({}, 'agree', t(`terms.${accepted.kind}`)) });
    await finishInteraction(ctx, provider, {}, true, details);
  });

  return router;
}
