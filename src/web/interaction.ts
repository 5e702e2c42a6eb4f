import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import type { AccountRow } from '../db/entities.js';
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

/**
 * Ends the current prompt and sends the browser back to the provider (303). `details`: the
 * interaction as this request has just read it (interactionOf), which is then saved with the result
 * as provider.interactionResult does — without reading it again (a second signed-cookie check and
 * database read of the same row within one request).
 */
export async function finishInteraction(
  ctx: Context,
  provider: Provider,
  result: Parameters<Provider['interactionResult']>[2],
  mergeWithLastSubmission = true,
  details?: InteractionDetails,
): Promise<void> {
  let url: string;
  if (details) {
    details.result = mergeWithLastSubmission && !('error' in result) ? { ...details.lastSubmission, ...result } : result;
    await details.save(details.exp - Math.floor(Date.now() / 1000));
    url = details.returnTo;
  } else {
    url = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission });
  }
  ctx.status = 303;
  ctx.redirect(url);
}

/** The client's name as its configuration gives it (or its id). */
export function clientName(services: Pick<Services, 'config'>, clientId: unknown): string {
  const client = services.config.clients.find((c) => c.client_id === clientId);
  return client?.client_name ?? String(clientId ?? '');
}

/** A same-site path back into a login that may still be open, or nothing. */
export function interactionPath(uid: unknown): string | undefined {
  return typeof uid === 'string' && /^[A-Za-z0-9_-]{10,64}$/.test(uid) ? `/interaction/${uid}` : undefined;
}

/**
 * A post of a first-login step (メールアドレス設定, 第2パスワード設定, パスワード設定, 利用許諾): the interaction
 * and the account that signed in. When the provider asks for something else (or nobody signed in),
 * the browser is sent back to the interaction, which shows what comes next, and this returns undefined.
 */
export async function firstLoginStep(
  ctx: Context, { services, provider }: WebDeps, prompt: 'email_registration' | 'second_password' | 'password_setup' | 'terms',
): Promise<{ details: InteractionDetails; account: AccountRow } | undefined> {
  const details = await interactionOf(ctx, provider);
  const account = details.session?.accountId ? await services.accounts.findById(details.session.accountId) : null;
  if (details.prompt.name !== prompt || !account) {
    ctx.redirect(`/interaction/${details.uid}`);
    return undefined;
  }
  return { details, account };
}
