import Router from '@koa/router';
import type { Context } from 'koa';
import { FEDERATION_CALLBACK_PATH } from '../../directory/oidc-directory.js';
import { SAML_ACS_PATH, SAML_METADATA_PATH, SamlDirectory } from '../../directory/saml-directory.js';
import { ACR } from '../../oidc/provider.js';
import { formBody, formPost } from '../../web/form-body.js';
import { finishInteraction, interactionOf, type WebDeps } from '../../web/interaction.js';
import { renderUnavailable } from '../../web/pages.js';
import { pageOf, renderMessage } from '../../web/render.js';
import type { StudentTextKey } from '../texts.js';
import { secondPasswordOnlyForm } from './forms.js';
import { federatedLoginScreen } from './screen.js';
import { acceptSamlPost, beginFederatedLogin, completeFederatedLogin, interactionOfState, mustSignInAfresh, verifyFederatedSecondPassword } from './service.js';

/** The university SSO: off to the IdP, its answer, then the 第2パスワード here. */
export function federationRoutes(deps: WebDeps): Router {
  const { services, provider } = deps;
  const loginScreen = federatedLoginScreen(deps);
  const router = new Router();
  const directory = services.directory;

  const failed = (ctx: Context, paragraph: StudentTextKey, status: number, uid?: string) => {
    const { t } = pageOf<StudentTextKey>(ctx);
    renderMessage(ctx, {
      title: t('sso.failed_title'), paragraphs: [t(paragraph)], status, tone: 'error',
      link: uid ? { href: `/interaction/${uid}?as=student`, label: t('sso.retry') } : undefined,
    });
  };

  // ログイン with the university SSO: off to the IdP.
  router.post('/interaction/:uid/sso', formPost(), async (ctx) => {
    const details = await interactionOf(ctx, provider);
    if (details.prompt.name !== 'login' || directory.kind !== 'redirect') return ctx.redirect(`/interaction/${details.uid}`);
    const started = await beginFederatedLogin(services, directory, {
      uid: details.uid, lang: pageOf(ctx).lang, ip: ctx.ip, forceFreshLogin: mustSignInAfresh(details.prompt),
    });
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
      return failed(ctx, 'sso.failed', 400);
    }
    ctx.status = 303;
    ctx.redirect(`/interaction/${uid}/sso/callback?${ctx.querystring}`);
  });

  if (directory instanceof SamlDirectory) {
    // What the university registers with the federation (GakuNin): entityID, ACS, certificates.
    router.get(SAML_METADATA_PATH, (ctx) => {
      ctx.type = 'application/samlmetadata+xml';
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = directory.serviceProviderMetadata();
    });

    // The AssertionConsumerService (HTTP-POST binding): a cross-site POST from the IdP, so it carries
    // no CSRF token; the RelayState binds it to the login instead (see acceptSamlPost).
    router.post(SAML_ACS_PATH, formBody('512kb'), async (ctx) => {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const accepted = await acceptSamlPost(services, { relayState: body.RelayState, samlResponse: body.SAMLResponse, ip: ctx.ip });
      if (accepted.kind === 'failed') {
        const uid = interactionOfState(body.RelayState);
        return failed(ctx, 'sso.failed', 400, uid);
      }
      ctx.status = 303;
      ctx.redirect(`/interaction/${accepted.uid}/sso/callback?${new URLSearchParams({ state: accepted.state })}`);
    });
  }

  router.get('/interaction/:uid/sso/callback', async (ctx) => {
    const details = await interactionOf(ctx, provider);
    if (details.prompt.name !== 'login' || directory.kind !== 'redirect') return ctx.redirect(`/interaction/${details.uid}`);
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
        return failed(ctx, 'sso.not_eligible', 403, details.uid);
      case 'denied':
        return failed(ctx, 'sso.denied', 403, details.uid);
      case 'failed':
        return failed(ctx, 'sso.failed', outcome.status, details.uid);
    }
  });

  router.post('/interaction/:uid/sso/second-password', formPost(), async (ctx) => {
    const details = await interactionOf(ctx, provider);
    if (details.prompt.name !== 'login' || directory.kind !== 'redirect') return ctx.redirect(`/interaction/${details.uid}`);
    const form = secondPasswordOnlyForm(ctx.request.body, pageOf<StudentTextKey>(ctx).t);
    if (!form.ok) return loginScreen(ctx, details, { errors: form.errors });
    const result = await verifyFederatedSecondPassword(services, { uid: details.uid, secondPassword: form.value.second_password, ip: ctx.ip });
    if (result.kind === 'restart') return ctx.redirect(`/interaction/${details.uid}`);
    if (result.kind === 'invalid') return loginScreen(ctx, details, { failed: true });
    await finishInteraction(ctx, provider, {
      login: { accountId: result.account.id, acr: ACR.twoPasswords, amr: ['fed', 'pwd'], remember: false },
    }, false);
  });

  return router;
}
