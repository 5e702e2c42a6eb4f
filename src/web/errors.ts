import type { Context, Next } from 'koa';
import { errors as oidcErrors } from 'oidc-provider';
import { logger } from '../logger.js';
import { pageOf, renderMessage } from './render.js';

/**
 * Every failure ends on a page in the user's language, never a stack trace: an expired or stale
 * login (SessionNotFound) gets a page that starts over; bad requests, missing CSRF tokens and
 * oversized bodies get their own message; anything else is logged (without request data) and
 * shown as a generic error.
 */
export function errorPages() {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && !ctx.body) {
        const { t } = pageOf(ctx);
        renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.not_found')], status: 404, tone: 'error' });
      }
    } catch (error) {
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
      if (status >= 400 && status < 500) {
        return renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.bad_request')], status, tone: 'error' });
      }
      logger.error({ err: { name: e.name, message: (error as Error).message, stack: (error as Error).stack }, method: ctx.method, path: ctx.path }, 'request failed');
      renderMessage(ctx, { title: t('error.title'), paragraphs: [t('error.generic')], status: 500, tone: 'error' });
    }
  };
}
