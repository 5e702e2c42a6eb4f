import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import type { Services } from '../services.js';

/** What every capability's routes need. */
export interface WebDeps {
  services: Services;
  provider: Provider;
}

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/** Reads the interaction behind /interaction/:uid (SessionNotFound when it expired or the tab is stale). */
export async function interactionOf(ctx: Context, provider: Provider): Promise<InteractionDetails> {
  return provider.interactionDetails(ctx.req, ctx.res);
}

/** Ends the current prompt and sends the browser back to the provider (303). */
export async function finishInteraction(
  ctx: Context,
  provider: Provider,
  result: Parameters<Provider['interactionResult']>[2],
  mergeWithLastSubmission = true,
): Promise<void> {
  const url = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission });
  ctx.status = 303;
  ctx.redirect(url);
}

/** The client's name as its configuration gives it (or its id). */
export function clientName(services: Services, clientId: unknown): string {
  const client = services.config.clients.find((c) => c.client_id === clientId);
  return client?.client_name ?? String(clientId ?? '');
}

/** A same-site path back into a login that may still be open, or nothing. */
export function interactionPath(uid: unknown): string | undefined {
  return typeof uid === 'string' && /^[A-Za-z0-9_-]{10,64}$/.test(uid) ? `/interaction/${uid}` : undefined;
}
