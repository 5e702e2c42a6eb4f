import Router from '@koa/router';
import type { Context } from 'koa';
import { ACR } from '../oidc/provider.js';
import { firstPartyClientIds } from '../oidc/provider.js';
import { studentScreens, formBody } from '../students/routes.js';
import { graduateScreens } from '../graduates/login-routes.js';
import { pendingSetup } from '../accounts/account-store.js';
import { verifyCsrf } from '../web/csrf.js';
import { langFromUiLocales } from '../web/i18n.js';
import { clientName, finishInteraction, interactionOf, type InteractionDetails, type WebDeps } from '../web/interaction.js';
import { applyLang } from '../web/lang.js';
import { render, type PageState } from '../web/render.js';

/**
 * /interaction/:uid shows the screen of whatever the provider's policy asks next: login, the
 * first-login steps, or consent. A step already done (e.g. the address confirmed from the mail)
 * is passed straight back to the provider, whose checks decide what comes after.
 */
export function interactionRoutes(deps: WebDeps): Router {
  const { services, provider } = deps;
  const students = studentScreens(deps);
  const graduates = graduateScreens(deps);
  const firstParty = firstPartyClientIds(services.config);
  const router = new Router();

  const showConsent = (ctx: Context, details: InteractionDetails) => {
    const { t } = ctx.state as PageState;
    const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
    render(ctx, 'consent', {
      title: t('consent.title'),
      uid: details.uid,
      client: clientName(services, details.params.client_id),
      scopes: missing.filter((s) => s !== 'openid'),
    });
  };

  async function grantConsent(ctx: Context, details: InteractionDetails) {
    const accountId = details.session?.accountId;
    const clientId = String(details.params.client_id);
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId });
    if (!grant) throw new Error('grant not found');
    const missingScopes = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
    if (missingScopes.length) grant.addOIDCScope(missingScopes.join(' '));
    const missingClaims = (details.prompt.details.missingOIDCClaims as string[] | undefined) ?? [];
    if (missingClaims.length) grant.addOIDCClaims(missingClaims);
    const grantId = await grant.save();
    await finishInteraction(ctx, provider, { consent: { grantId } });
  }

  router.get('/interaction/:uid', async (ctx) => {
    const details = await interactionOf(ctx, provider);
    const uiLang = langFromUiLocales(details.params.ui_locales);
    if (uiLang && !(ctx.state as PageState & { langExplicit?: boolean }).langExplicit) applyLang(ctx, uiLang, true);
    const account = details.session?.accountId ? await services.accounts.findById(details.session.accountId) : null;

    const setup = account ? pendingSetup(account, services.config.graduates?.terms.version) : undefined;
    switch (details.prompt.name) {
      case 'login': {
        // login_type from the client pre-selects the screen; otherwise the user chooses (在学生の方 / 卒業生の方).
        const chosen = details.params.login_type ?? ctx.query.as;
        if (!services.config.graduates || chosen === 'student') return students.login(ctx, details);
        if (chosen === 'graduate') return graduates.login(ctx, details);
        return graduates.chooser(ctx, details);
      }
      case 'email_registration':
        if (account?.email && account.emailVerified) return finishInteraction(ctx, provider, {});
        return students.emailRegistration(ctx, details);
      case 'second_password':
        if (account?.secondPasswordHash) {
          // The first login is complete: the session now rests on both passwords.
          return finishInteraction(ctx, provider, { login: { accountId: account.id, acr: ACR.twoPasswords, amr: ['pwd'], remember: false } });
        }
        return students.secondPassword(ctx, details);
      case 'password_setup':
        if (account && !setup?.needsPasswordSetup) {
          return finishInteraction(ctx, provider, { login: { accountId: account.id, acr: ACR.twoPasswords, amr: ['pwd'], remember: false } });
        }
        return graduates.passwordSetup(ctx, details);
      case 'terms':
        if (!setup?.needsTerms) return finishInteraction(ctx, provider, {});
        return graduates.terms(ctx, details);
      case 'consent':
        if (firstParty.has(String(details.params.client_id))) return grantConsent(ctx, details);
        return showConsent(ctx, details);
      default:
        return ctx.throw(400, `unknown prompt ${details.prompt.name}`);
    }
  });

  router.post('/interaction/:uid/consent', formBody, async (ctx) => {
    verifyCsrf(ctx);
    const details = await interactionOf(ctx, provider);
    if (details.prompt.name !== 'consent') return ctx.redirect(`/interaction/${details.uid}`);
    if ((ctx.request.body as Record<string, unknown>).decision === 'allow') return grantConsent(ctx, details);
    await finishInteraction(ctx, provider, { error: 'access_denied', error_description: 'the user did not allow the request' }, false);
  });

  // Cancel: the client gets access_denied, as OIDC expects when the user gives up.
  router.post('/interaction/:uid/abort', formBody, async (ctx) => {
    verifyCsrf(ctx);
    await interactionOf(ctx, provider);
    await finishInteraction(ctx, provider, { error: 'access_denied', error_description: 'the user cancelled the login' }, false);
  });

  return router;
}
