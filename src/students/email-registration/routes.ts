import Router from '@koa/router';
import { emailForm } from '../../email-verification/forms.js';
import { showEmailLanding, useMailLang } from '../../email-verification/landing.js';
import { confirmEmail, EMAIL_CONFIRM_PATHS, requestEmailVerification } from '../../email-verification/service.js';
import { formPost } from '../../web/form-body.js';
import { addError } from '../../web/forms.js';
import { firstLoginStep, interactionPath, type WebDeps } from '../../web/interaction.js';
import { renderTokenProblem } from '../../web/pages.js';
import { pageOf, renderMessage } from '../../web/render.js';
import type { StudentTextKey } from '../texts.js';
import { emailRegistrationScreen } from './screen.js';

/** S1 メールアドレス設定: the address at the first login, and the mailed URL that confirms it. */
export function emailRegistrationRoutes(deps: WebDeps): Router {
  const { services } = deps;
  const screen = emailRegistrationScreen(deps);
  const router = new Router();

  router.post('/interaction/:uid/email', formPost(), async (ctx) => {
    const step = await firstLoginStep(ctx, deps, 'email_registration');
    if (!step) return;
    const { details, account } = step;
    const { t, lang } = pageOf<StudentTextKey>(ctx);
    const form = emailForm(ctx.request.body, t);
    const values = ctx.request.body as Record<string, unknown>;
    if (!form.ok) return screen(ctx, details, { errors: form.errors, values });
    const result = await requestEmailVerification(services, {
      account, email: form.value.email, lang, purpose: 'register_email', interactionUid: details.uid, ip: ctx.ip,
    });
    if (result.kind === 'limited') return screen(ctx, details, { errors: addError({}, 'email', t('error.mail_limit')), values });
    screen(ctx, details, { sent: true });
  });

  // The mailed URL: a landing page that changes nothing (mail scanners open it too); its button posts.
  router.get(EMAIL_CONFIRM_PATHS.register_email, async (ctx) => {
    await showEmailLanding<StudentTextKey>(ctx, services, {
      purpose: 'register_email', title: 'email_setup.title', paragraphs: 'email_setup.landing', button: 'email_setup.landing_button',
    });
  });

  router.post(EMAIL_CONFIRM_PATHS.register_email, formPost(), async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const result = await confirmEmail(services, { token: body.token, purpose: 'register_email', ip: ctx.ip });
    if (result.kind !== 'done') return renderTokenProblem(ctx, result.kind);
    useMailLang(ctx, result.lang);
    const { t } = pageOf<StudentTextKey>(ctx);
    const back = interactionPath(result.interactionUid);
    renderMessage(ctx, {
      title: t('email_setup.done_title'),
      paragraphs: t.list('email_setup.done'),
      link: back ? { href: back, label: t('common.go_to_login') } : undefined,
    });
  });

  return router;
}
