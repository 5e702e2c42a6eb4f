import type { Context } from 'koa';
import type { AccountRow } from '../db/entities.js';
import { reauthenticationRedirect } from '../sessions/reauthentication.js';
import { signedInUser, type ProviderSession } from '../sessions/signed-in.js';
import type { WebDeps } from '../web/interaction.js';
import { startLogin } from './sign-in.js';

type Handler<A extends unknown[]> = (ctx: Context, ...args: A) => Promise<void> | void;

/** How the account pages require a signed-in user (and, for sensitive changes, a recent sign-in). */
export function accountGuards(deps: WebDeps) {
  const { services } = deps;

  /** Runs a handler for a signed-in user, or sends the browser to log in first. */
  const withSession = (handler: Handler<[AccountRow, ProviderSession]>) => async (ctx: Context) => {
    const signed = await signedInUser(ctx, deps);
    if (!signed) {
      if (ctx.method === 'GET') return startLogin(ctx, services.config);
      return ctx.redirect('/account');
    }
    await handler(ctx, signed.account, signed.session);
  };
  const withAccount = (handler: Handler<[AccountRow]>) => withSession((ctx, account) => handler(ctx, account));

  /**
   * A sensitive change: as withAccount, and when the sign-in is older than the configured age, the
   * password is asked again first (/account/confirm, which comes back to `path`).
   */
  const withRecentSignIn = (path: string, handler: Handler<[AccountRow]>) => withSession(async (ctx, account, session) => {
    const confirm = await reauthenticationRedirect(services, session, path);
    if (confirm) {
      ctx.status = 303;
      return ctx.redirect(confirm);
    }
    await handler(ctx, account);
  });

  /** Pages of graduates only (students' passwords belong to the university): others go to the menu. */
  const graduatesOnly = (handler: Handler<[AccountRow]>): Handler<[AccountRow]> => (ctx, account) => (
    account.userType === 'graduate' ? handler(ctx, account) : ctx.redirect('/account'));

  return { withSession, withAccount, withRecentSignIn, graduatesOnly };
}

export type AccountGuards = ReturnType<typeof accountGuards>;
