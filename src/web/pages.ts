import type { Context } from 'koa';
import { renderMessage, pageOf } from './render.js';

// Notices several capabilities show the same way.

/** The university directory (or SSO) did not answer: not the user's fault, try again later. */
export function renderUnavailable(ctx: Context): void {
  const { t } = pageOf(ctx);
  renderMessage(ctx, { title: t('error.directory_unavailable_title'), paragraphs: [t('error.directory_unavailable')], status: 503, tone: 'error' });
}

/** A mailed one-time URL that cannot be used: expired, used, unknown, or its address taken meanwhile. */
export function renderTokenProblem(ctx: Context, kind: 'expired' | 'used' | 'unknown' | 'taken'): void {
  const { t } = pageOf(ctx);
  const message = kind === 'expired' ? t('token.expired') : kind === 'used' ? t('token.used') : kind === 'taken' ? t('token.address_taken') : t('token.unknown');
  renderMessage(ctx, { title: t('token.title'), paragraphs: [message], status: kind === 'expired' || kind === 'used' ? 410 : 400, tone: 'error' });
}
