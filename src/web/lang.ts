import type { Context, Next } from 'koa';
import type { Lang } from '../config/types.js';
import { isLang, translator } from './i18n.js';

const COOKIE = 'cert_idp.lang';

export function applyLang(ctx: Context, lang: Lang, remember: boolean): void {
  ctx.state.lang = lang;
  ctx.state.t = translator(lang);
  if (remember) ctx.cookies.set(COOKIE, lang, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 365 * 86400_000, overwrite: true });
}

/**
 * The page language: ?lang= (the switch on every page) wins and is remembered, then the
 * remembered choice, then the client's ui_locales (applied on the interaction pages), then Japanese.
 */
export function language() {
  return async (ctx: Context, next: Next) => {
    const requested = ctx.query.lang;
    const remembered = ctx.cookies.get(COOKIE);
    if (isLang(requested)) {
      applyLang(ctx, requested, true);
      ctx.state.langExplicit = true;
    } else if (isLang(remembered)) {
      applyLang(ctx, remembered, false);
      ctx.state.langExplicit = true;
    } else {
      applyLang(ctx, 'ja', false);
    }
    await next();
  };
}
