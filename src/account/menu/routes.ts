import Router from '@koa/router';
import { ACCOUNT_CLIENT_ID } from '../../oidc/provider.js';
import type { WebDeps } from '../../web/interaction.js';
import { pageOf, render, renderMessage } from '../../web/render.js';
import type { AccountGuards } from '../guards.js';
import { finishLogin } from '../sign-in.js';
import type { AccountTextKey } from '../texts.js';

/** The menu (manual §2.4, §3.1), the end of the login it starts, and logging out. */
export function menuRoutes({ services }: WebDeps, { withAccount }: AccountGuards): Router {
  const { config } = services;
  const router = new Router();

  router.get('/', withAccount((ctx, account) => {
    const { t } = pageOf<AccountTextKey>(ctx);
    const firstParty = config.clients.filter((c) => c.first_party && c.initiate_login_uri)
      .map((c) => ({ name: c.client_name ?? c.client_id, href: c.initiate_login_uri! }));
    render(ctx, 'account/menu', {
      title: t('menu.title'),
      account,
      displayName: account.profile ? `${account.profile.name.family} ${account.profile.name.given}` : '',
      manualUrl: account.userType === 'graduate' ? config.manualUrl.graduate ?? config.manualUrl.student : config.manualUrl.student,
      graduate: account.userType === 'graduate',
      services: firstParty,
    });
  }));

  router.get('/callback', async (ctx) => {
    const returnTo = finishLogin(ctx);
    if (!returnTo) {
      const { t } = pageOf<AccountTextKey>(ctx);
      return renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.session_expired')], link: { href: '/account', label: t('common.go_to_login') }, status: 400, tone: 'error' });
    }
    ctx.redirect(returnTo);
  });

  router.get('/logout', (ctx) => {
    const url = new URL(`${config.issuer}/session/end`);
    url.search = new URLSearchParams({ client_id: ACCOUNT_CLIENT_ID, post_logout_redirect_uri: `${config.issuer}/account/logged-out` }).toString();
    ctx.redirect(url.toString());
  });

  router.get('/logged-out', (ctx) => {
    const { t } = pageOf<AccountTextKey>(ctx);
    renderMessage(ctx, { title: t('logout.title'), paragraphs: [t('logout.done'), t('logout.close_browser')] });
  });

  return router;
}
