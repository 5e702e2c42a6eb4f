import Router from '@koa/router';
import type { JSONSchemaType } from 'ajv';
import type { Context } from 'koa';
import { FEDERATION_CALLBACK_PATH } from '../directory/oidc-directory.js';
import { ACR } from '../oidc/provider.js';
import { verifyCsrf } from '../web/csrf.js';
import { defineForm, type FieldErrors } from '../web/forms.js';
import { finishInteraction, interactionOf, type InteractionDetails, type WebDeps } from '../web/interaction.js';
import { render, renderMessage, type PageState } from '../web/render.js';
import {
  awaitingSecondPassword, beginFederatedLogin, completeFederatedLogin, interactionOfState, verifyFederatedSecondPassword,
} from './federation.js';
import { formBody, renderUnavailable } from './routes.js';

interface SecondPasswordOnlyForm { second_password: string }
const secondPasswordOnlyForm = defineForm<SecondPasswordOnlyForm>({
  schema: {
    type: 'object',
    properties: { second_password: { type: 'string', minLength: 1, maxLength: 128 } },
    required: ['second_password'],
    additionalProperties: false,
  } as JSONSchemaType<SecondPasswordOnlyForm>,
  labels: { second_password: 'login.second_password' },
});

function page(ctx: Context): PageState {
  return ctx.state as PageState;
}

/**
 * The student login page when the university signs students in through its OpenID Connect IdP:
 * the SSO button first; once the IdP vouched for the student, the second password alone.
 */
export function federationScreens({ services }: WebDeps) {
  return {
    async login(ctx: Context, details: InteractionDetails, options: { errors?: FieldErrors; failed?: boolean } = {}): Promise<void> {
      const { t, lang } = page(ctx);
      const common = {
        title: t('login.student.title'),
        uid: details.uid,
        notes: services.config.branding.studentLoginNotes[lang],
      };
      if (await awaitingSecondPassword(services, details.uid)) {
        return render(ctx, 'students/sso-second-password', { ...common, errors: options.errors, failed: options.failed });
      }
      const buttonText = services.config.directory.oidc?.buttonText[lang] ?? t('sso.button');
      render(ctx, 'students/login-sso', { ...common, buttonText });
    },
  };
}

export function federationRoutes(deps: WebDeps): Router {
  const { services, provider } = deps;
  const screens = federationScreens(deps);
  const router = new Router();
  const directory = services.directory;

  const retryLink = (ctx: Context, uid: string) => ({ href: `/interaction/${uid}`, label: page(ctx).t('sso.retry') });

  // ログイン with the university SSO: off to the IdP.
  router.post('/interaction/:uid/sso', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const details = await interactionOf(ctx, provider);
    if (details.prompt.name !== 'login' || directory.kind !== 'redirect') return ctx.redirect(`/interaction/${details.uid}`);
    const started = await beginFederatedLogin(services, directory, { uid: details.uid, lang: page(ctx).lang, ip: ctx.ip });
    if (started.kind === 'unavailable') return renderUnavailable(ctx);
    ctx.status = 303;
    ctx.redirect(started.url);
  });

  // The redirect URI registered at the IdP is fixed; the interaction cookie is scoped to
  // /interaction/<uid>, so the response is forwarded there (the state names the interaction).
  router.get(FEDERATION_CALLBACK_PATH, async (ctx) => {
    const uid = interactionOfState(ctx.query.state);
    if (!uid || directory.kind !== 'redirect') {
      await services.audit.record('login.failure', { ip: ctx.ip, detail: { userType: 'student', reason: 'upstream_error', upstream: 'unknown_state' } });
      const { t } = page(ctx);
      return renderMessage(ctx, { title: t('sso.failed_title'), paragraphs: [t('sso.failed')], status: 400, tone: 'error' });
    }
    ctx.status = 303;
    ctx.redirect(`/interaction/${uid}/sso/callback?${ctx.querystring}`);
  });

  router.get('/interaction/:uid/sso/callback', async (ctx) => {
    const details = await interactionOf(ctx, provider);
    if (details.prompt.name !== 'login' || directory.kind !== 'redirect') return ctx.redirect(`/interaction/${details.uid}`);
    const { t } = page(ctx);
    const outcome = await completeFederatedLogin(services, directory, { uid: details.uid, params: new URLSearchParams(ctx.querystring), ip: ctx.ip });
    switch (outcome.kind) {
      case 'second_password':
        ctx.status = 303;
        return ctx.redirect(`/interaction/${details.uid}`);
      case 'login':
        // No second password yet: the first-login prompts (email, second password) follow.
        return finishInteraction(ctx, provider, {
          login: { accountId: outcome.account.id, acr: ACR.password, amr: ['fed'], remember: false },
        }, false);
      case 'unavailable':
        return renderUnavailable(ctx);
      case 'not_eligible':
        return renderMessage(ctx, { title: t('sso.failed_title'), paragraphs: [t('sso.not_eligible')], status: 403, tone: 'error', link: retryLink(ctx, details.uid) });
      case 'denied':
        return renderMessage(ctx, { title: t('sso.failed_title'), paragraphs: [t('sso.denied')], status: 403, tone: 'error', link: retryLink(ctx, details.uid) });
      case 'failed':
        return renderMessage(ctx, { title: t('sso.failed_title'), paragraphs: [t('sso.failed')], status: outcome.status, tone: 'error', link: retryLink(ctx, details.uid) });
    }
  });

  router.post('/interaction/:uid/sso/second-password', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const details = await interactionOf(ctx, provider);
    if (details.prompt.name !== 'login' || directory.kind !== 'redirect') return ctx.redirect(`/interaction/${details.uid}`);
    const form = secondPasswordOnlyForm(ctx.request.body, page(ctx).t);
    if (!form.ok) return screens.login(ctx, details, { errors: form.errors });
    const result = await verifyFederatedSecondPassword(services, { uid: details.uid, secondPassword: form.value.second_password, ip: ctx.ip });
    if (result.kind === 'restart') return ctx.redirect(`/interaction/${details.uid}`);
    if (result.kind === 'invalid') return screens.login(ctx, details, { failed: true });
    await finishInteraction(ctx, provider, {
      login: { accountId: result.account.id, acr: ACR.twoPasswords, amr: ['fed', 'pwd'], remember: false },
    }, false);
  });

  return router;
}
