import type { Context } from 'koa';
import type { FieldErrors } from '../web/forms.js';
import type { GraduateTextKey } from './texts.js';
import { pageOf, render, renderMessage } from '../web/render.js';

// The applicant's mailed URL (G1 apply/, G5 self-service/enrollment/, and the staff's resubmission
// request to either): opening it (GET or HEAD — a mail scanner's too) only shows a landing page; its
// button (a POST with the key) uses the key up and puts a longer-lived one into a cookie for the flow's
// folder, in the browser that pressed it, which the flow's pages then read.

/** The cookie of the applicant's key: signed, HttpOnly, SameSite=Lax, for `path` only. */
export function applicantCookie(name: string, path: string, secure: boolean) {
  return {
    read: (ctx: Context): string | undefined => ctx.cookies.get(name, { signed: true }),
    keep: (ctx: Context, key: string): void => { ctx.cookies.set(name, key, { signed: true, httpOnly: true, sameSite: 'lax', secure, path, overwrite: true }); },
    clear: (ctx: Context): void => { ctx.cookies.set(name, null, { path }); },
  };
}

/**
 * A mailed URL that cannot be opened: expired or used up (410), unknown or of another flow (400), with
 * where to go on (the browser that pressed the button) and the way to ask for a new one.
 */
export function renderUnopenedUrl(ctx: Context, kind: 'expired' | 'used' | 'unknown', retry: { href: string; label: string }): void {
  const { t } = pageOf<GraduateTextKey>(ctx);
  const paragraphs = kind === 'used' ? [t('token.used'), t('mailed_url.pressed_elsewhere')] : [t(`token.${kind}`)];
  renderMessage(ctx, { title: t('token.title'), paragraphs, link: retry, status: kind === 'unknown' ? 400 : 410, tone: 'error' });
}

/** The landing page of a usable mailed URL: what will happen, the address, and the one button (POST to `action`). */
export function renderMailedUrlLanding(
  ctx: Context,
  page: { title: string; paragraphs: string[]; address: string; button: string; action: string; key: string; errors?: FieldErrors },
  status = 200,
): void {
  render(ctx, 'graduates/mailed-url', page, status);
}

/** The key a landing page's button posts. */
export function postedKey(ctx: Context): unknown {
  return (ctx.request.body as Record<string, unknown> | undefined)?.key;
}
