import type { Context, Middleware } from 'koa';
import type { AccountRow } from '../../db/entities.js';
import { signedInUser, type SignedIn } from '../../sessions/signed-in.js';
import { addError, type FieldErrors } from '../../web/forms.js';
import type { WebDeps } from '../../web/interaction.js';
import { pageOf, renderMessage } from '../../web/render.js';
import type { GraduateTextKey } from '../texts.js';

// The graduate's self-service pages (G5 enrollment/, G6 personal-data/) ride on the account menu's
// session (src/sessions/signed-in.ts). Kept apart from src/account: only signed-in graduates reach them.

interface GraduateState { graduate: SignedIn }

/** A signed-in graduate only: others sign in first (through the menu), students get 403. */
export function signedInGraduate(deps: WebDeps): Middleware {
  return async (ctx, next) => {
    const signed = await signedInUser(ctx, deps);
    if (!signed) return ctx.redirect(ctx.method === 'GET' ? '/account?login_type=graduate' : '/account');
    if (signed.account.userType !== 'graduate' || !signed.account.email) {
      const { t } = pageOf<GraduateTextKey>(ctx);
      return renderMessage(ctx, { title: t('error.title'), paragraphs: [t('self.graduates_only')], link: { href: '/account', label: t('common.menu') }, status: 403, tone: 'error' });
    }
    (ctx.state as GraduateState).graduate = signed;
    await next();
  };
}

/** The graduate signedInGraduate let through. */
export function graduateOf(ctx: Context): AccountRow {
  return (ctx.state as GraduateState).graduate.account;
}

/** The provider session the graduate signed in with. */
export function graduateSessionOf(ctx: Context): SignedIn['session'] {
  return (ctx.state as GraduateState).graduate.session;
}

/** A refused CSRF token, told on the form itself (formPost's onCsrfRejected keeps what was typed). */
export function csrfErrors(ctx: Context): FieldErrors {
  return addError({}, 'form', pageOf(ctx).t('error.csrf'));
}

/** The way back to the account menu from a finished step. */
export function menuLink(ctx: Context): { href: string; label: string } {
  return { href: '/account', label: pageOf(ctx).t('common.ok') };
}
