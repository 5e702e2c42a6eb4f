import Router from '@koa/router';
import { pendingSetup } from '../accounts/account-store.js';
import { errors } from 'oidc-provider';
import { ACR, firstPartyClientIds } from '../oidc/provider.js';
import { formPost } from '../web/form-body.js';
import { finishInteraction, interactionOf, type WebDeps } from '../web/interaction.js';
import { applyLang } from '../web/lang.js';
import { langFromUiLocales } from '../web/texts.js';
import { renderChooser } from './chooser.js';
import { consent } from './consent.js';
import { continueElsewhere } from './elsewhere.js';
import type { InteractionScreens } from './screens.js';

/**
 * /interaction/:uid shows the screen of whatever the provider's policy asks next: login, the
 * first-login steps, or consent. A step already done (e.g. the address confirmed from the mail)
 * is passed straight back to the provider, whose checks decide what comes after. The screens of
 * the students' and graduates' steps are handed in (src/app.ts composes them).
 */
export function interactionRoutes(deps: WebDeps, screens: InteractionScreens): Router {
  const { services, provider } = deps;
  const { student, graduate } = screens;
  const consentStep = consent(deps);
  const firstParty = firstPartyClientIds(services.config);
  const router = new Router();

  router.get('/interaction/:uid', async (ctx) => {
    // A browser without this login's cookie (a second device, a stale tab whose login ended) gets a
    // fresh login of the service it came from, not an error (./elsewhere.ts).
    const details = await interactionOf(ctx, provider).catch((error: unknown) => {
      if (error instanceof errors.SessionNotFound) return undefined;
      throw error;
    });
    if (!details || details.uid !== ctx.params.uid) return continueElsewhere(ctx, deps, ctx.params.uid);
    const uiLang = langFromUiLocales(details.params.ui_locales);
    if (uiLang && !ctx.state.langExplicit) applyLang(ctx, uiLang, true);
    const account = details.session?.accountId ? await services.accounts.findById(details.session.accountId) : null;

    const setup = account ? pendingSetup(account, services.config.graduates?.terms.version) : undefined;
    switch (details.prompt.name) {
      case 'login': {
        // login_type from the client pre-selects the screen; otherwise the user chooses (在学生の方 / 卒業生の方),
        // once: a student's login under way (back from the university's SSO) stays the student's.
        const chosen = details.params.login_type ?? ctx.query.as;
        if (!services.config.graduates || chosen === 'student') return student.login(ctx, details);
        if (chosen === 'graduate') return graduate.login(ctx, details);
        if (await student.loginUnderway(details)) return student.login(ctx, details);
        return renderChooser(ctx, details);
      }
      case 'email_registration':
        if (account?.email && account.emailVerified) return finishInteraction(ctx, provider, {}, true, details);
        return student.emailRegistration(ctx, details);
      case 'second_password':
        if (account?.secondPasswordHash) {
          // The first login is complete: the session now rests on both passwords — after the
          // university's SSO, on that sign-in and the second password just set.
          const amr = details.session?.amr?.includes('fed') ? ['fed', 'pwd'] : ['pwd'];
          return finishInteraction(ctx, provider, { login: { accountId: account.id, acr: ACR.twoPasswords, amr, remember: false } }, true, details);
        }
        return student.secondPassword(ctx, details);
      case 'password_setup':
        if (account && !setup?.needsPasswordSetup) {
          return finishInteraction(ctx, provider, { login: { accountId: account.id, acr: ACR.twoPasswords, amr: ['pwd'], remember: false } }, true, details);
        }
        return graduate.passwordSetup(ctx, details);
      case 'terms':
        if (!setup?.needsTerms) return finishInteraction(ctx, provider, {}, true, details);
        return graduate.terms(ctx, details);
      case 'consent':
        if (firstParty.has(String(details.params.client_id))) return consentStep.grant(ctx, details);
        return consentStep.show(ctx, details);
      default:
        return ctx.throw(400, `unknown prompt ${details.prompt.name}`);
    }
  });

  router.use(consentStep.routes().routes());

  // Cancel: the client gets access_denied, as OIDC expects when the user gives up.
  router.post('/interaction/:uid/abort', formPost(), async (ctx) => {
    const details = await interactionOf(ctx, provider);
    await finishInteraction(ctx, provider, { error: 'access_denied', error_description: 'the user cancelled the login' }, false, details);
  });

  return router;
}
