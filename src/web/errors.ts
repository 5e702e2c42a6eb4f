import type { Context, Next } from 'koa';
import { errors as oidcErrors } from 'oidc-provider';
import { logger } from '../logger.js';
import { isDatabaseOutage, logDatabaseOutage, RETRY_AFTER_SECONDS } from '../ops/database-outage.js';
import { isHttpsRequired, warnPlainHttp } from './plain-http.js';
import { pageOf, renderMessage } from './render.js';

/**
 * 403 for a page that needs a Secure cookie asked for over plain HTTP behind an https ISSUER: the
 * page says where to open it (one warning in the log per process, see plain-http.ts).
 */
function renderHttpsRequired(ctx: Context, issuer: string): void {
  warnPlainHttp();
  const { t } = pageOf(ctx);
  const url = ctx.method === 'GET' || ctx.method === 'HEAD' ? `${issuer}${ctx.originalUrl}` : `${issuer}/`;
  renderMessage(ctx, {
    title: t('error.https_required_title'), paragraphs: [t('error.https_required', { url })], status: 403, tone: 'error',
    link: { href: url, label: t('error.https_required_link') },
  });
}

/** 503 with Retry-After while the database cannot be reached: "come back shortly", not "bug". */
export function renderDatabaseOutage(ctx: Context, error: unknown): void {
  logDatabaseOutage(error);
  const { t } = pageOf(ctx);
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  renderMessage(ctx, { title: t('error.unavailable_title'), paragraphs: [t('error.unavailable')], status: 503, tone: 'error' });
}

/**
 * Every failure ends on a page in the user's language, never a stack trace: an expired or stale
 * login (SessionNotFound) gets a page that starts over; bad requests, missing CSRF tokens and
 * oversized bodies get their own message; a page that needs a Secure cookie over plain HTTP a 403
 * naming the https address; a database outage a 503 with Retry-After; anything else is logged
 * (without request data) and shown as a generic error.
 */
export function errorPages(options: { issuer: string }) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && !ctx.body) {
        const { t } = pageOf(ctx);
        renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.not_found')], status: 404, tone: 'error' });
      }
    } catch (error) {
      if (isHttpsRequired(error)) return renderHttpsRequired(ctx, options.issuer);
      if (isDatabaseOutage(error)) return renderDatabaseOutage(ctx, error);
      const { t } = pageOf(ctx);
      const e = error as { status?: number; statusCode?: number; name?: string; type?: string; expose?: boolean };
      const status = e.status ?? e.statusCode ?? 500;
      if (error instanceof oidcErrors.SessionNotFound || error instanceof oidcErrors.InvalidRequest && /interaction/.test(String((error as Error).message))) {
        return renderMessage(ctx, { title: t('error.session_expired_title'), paragraphs: [t('error.session_expired')], status: 400, tone: 'error' });
      }
      if (e.name === 'CsrfError') {
        return renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.csrf')], status: 403, tone: 'error', link: { href: ctx.path, label: t('common.back') } });
      }
      if (status === 413 || e.type === 'entity.too.large') {
        return renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.too_large')], status: 413, tone: 'error' });
      }
      // A method no route knows (TRACE, PROPFIND…): the routers' 501, an answer and not a failure.
      if (status === 501 && e.name === 'NotImplementedError') {
        return renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.bad_request')], status: 501, tone: 'error' });
      }
      if (status >= 400 && status < 500) {
        return renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.bad_request')], status, tone: 'error' });
      }
      logger.error({ err: { name: e.name, message: (error as Error).message, stack: (error as Error).stack }, method: ctx.method, path: ctx.path }, 'request failed');
      renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.generic')], status: 500, tone: 'error' });
    }
  };
}
