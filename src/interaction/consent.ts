import Router from '@koa/router';
import type { Context } from 'koa';
import { formPost } from '../web/form-body.js';
import { clientName, finishInteraction, interactionOf, type InteractionDetails, type WebDeps } from '../web/interaction.js';
import { pageOf, render } from '../web/render.js';
import type { InteractionTextKey } from './texts.js';

/** What the client asks for beyond what the user already granted it. */
function missing(details: InteractionDetails, what: 'missingOIDCScope' | 'missingOIDCClaims'): string[] {
  return (details.prompt.details[what] as string[] | undefined) ?? [];
}

/** The consent of a third-party client (first-party clients are granted without asking). */
export function consent({ services, provider }: WebDeps) {
  const show = (ctx: Context, details: InteractionDetails) => {
    const { t } = pageOf<InteractionTextKey>(ctx);
    render(ctx, 'interaction/consent', {
      title: t('consent.title'),
      uid: details.uid,
      client: clientName(services, details.params.client_id),
      scopes: missing(details, 'missingOIDCScope').filter((s) => s !== 'openid'),
    });
  };

  const grant = async (ctx: Context, details: InteractionDetails) => {
    const accountId = details.session?.accountId;
    const clientId = String(details.params.client_id);
    const found = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId });
    if (!found) throw new Error('grant not found');
    const scopes = missing(details, 'missingOIDCScope');
    if (scopes.length) found.addOIDCScope(scopes.join(' '));
    const claims = missing(details, 'missingOIDCClaims');
    if (claims.length) found.addOIDCClaims(claims);
    const grantId = await found.save();
    await finishInteraction(ctx, provider, { consent: { grantId } });
  };

  const routes = () => {
    const router = new Router();
    router.post('/interaction/:uid/consent', formPost(), async (ctx) => {
      const details = await interactionOf(ctx, provider);
      if (details.prompt.name !== 'consent') return ctx.redirect(`/interaction/${details.uid}`);
      if ((ctx.request.body as Record<string, unknown>).decision === 'allow') return grant(ctx, details);
      await finishInteraction(ctx, provider, { error: 'access_denied', error_description: 'the user did not allow the request' }, false);
    });
    return router;
  };

  return { show, grant, routes };
}
