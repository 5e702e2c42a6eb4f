import type { Context } from 'koa';
import { pageOf, renderMessage } from '../web/render.js';

// The applicant's mailed URL (G1 apply/, G5 self-service/enrollment/): opening it puts a longer-lived
// key into a cookie for the flow's folder, which the flow's pages then read.

/** The cookie of the applicant's key: signed, HttpOnly, SameSite=Lax, for `path` only. */
export function applicantCookie(name: string, path: string, secure: boolean) {
  return {
    read: (ctx: Context): string | undefined => ctx.cookies.get(name, { signed: true }),
    keep: (ctx: Context, key: string): void => { ctx.cookies.set(name, key, { signed: true, httpOnly: true, sameSite: 'lax', secure, path, overwrite: true }); },
    clear: (ctx: Context): void => { ctx.cookies.set(name, null, { path }); },
  };
}

/** A mailed URL that cannot be opened: expired (410) or unknown (400), with the way to ask for a new one. */
export function renderUnopenedUrl(ctx: Context, kind: 'expired' | 'unknown', retry: { href: string; label: string }): void {
  const { t } = pageOf(ctx);
  renderMessage(ctx, { title: t('token.title'), paragraphs: [t(`token.${kind}`)], link: retry, status: kind === 'expired' ? 410 : 400, tone: 'error' });
}
