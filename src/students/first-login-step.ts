import type { Context } from 'koa';
import type { AccountRow } from '../db/entities.js';
import { interactionOf, type InteractionDetails, type WebDeps } from '../web/interaction.js';

/**
 * A post of a first-login step (メールアドレス設定, 第2パスワード設定): the interaction and the account
 * that signed in. When the provider asks for something else (or nobody signed in), the browser is
 * sent back to the interaction, which shows what comes next, and this returns undefined.
 */
export async function firstLoginStep(
  ctx: Context, { services, provider }: WebDeps, prompt: 'email_registration' | 'second_password',
): Promise<{ details: InteractionDetails; account: AccountRow } | undefined> {
  const details = await interactionOf(ctx, provider);
  const account = details.session?.accountId ? await services.accounts.findById(details.session.accountId) : null;
  if (details.prompt.name !== prompt || !account) {
    ctx.redirect(`/interaction/${details.uid}`);
    return undefined;
  }
  return { details, account };
}
