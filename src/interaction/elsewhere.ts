import type { Context } from 'koa';
import { ACCOUNT_CLIENT_ID } from '../oidc/provider.js';
import { clientName, interactionPath, type WebDeps } from '../web/interaction.js';
import { pageOf, renderMessage } from '../web/render.js';
import type { InteractionTextKey } from './texts.js';

/**
 * /interaction/:uid opened in a browser that did not start that login — the address was
 * followed from a mail on a second device (S1's ログインページへ移動, S6's and G11's OK after a
 * reset): the login belongs to the first browser and cannot go on here. Instead of an error this
 * browser is sent to a fresh login of the same service: the client's own login start
 * (initiate_login_uri, with the login_type of the interaction and `iss` as OpenID Connect's
 * third-party-initiated login asks), the account menu's login for the menu's own logins and for an
 * interaction this service no longer keeps, or — for a client without a login start — a page
 * saying to go back to the service and log in there. Nothing is changed: the first browser's login
 * can still continue.
 */
export async function continueElsewhere(ctx: Context, { services, provider }: WebDeps, uid: unknown): Promise<void> {
  const { config } = services;
  const interaction = interactionPath(uid) ? await provider.Interaction.find(String(uid)) : undefined;
  const clientId = interaction?.params.client_id;
  const loginType = interaction?.params.login_type;
  const typeQuery = loginType === 'student' || loginType === 'graduate' ? `?login_type=${loginType}` : '';
  if (!interaction || typeof clientId !== 'string' || clientId === ACCOUNT_CLIENT_ID) return ctx.redirect(`/account${typeQuery}`);

  const client = config.clients.find((c) => c.client_id === clientId);
  if (client?.initiate_login_uri) {
    const url = new URL(client.initiate_login_uri);
    url.searchParams.set('iss', config.issuer);
    if (typeQuery) url.searchParams.set('login_type', String(loginType));
    return ctx.redirect(url.toString());
  }
  const { t } = pageOf<InteractionTextKey>(ctx);
  renderMessage(ctx, {
    title: t('elsewhere.title'),
    paragraphs: [t('elsewhere.lead', { client: clientName(services, clientId) }), t('elsewhere.how')],
  });
}
