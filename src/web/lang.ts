import type { Context, Next } from 'koa';
import type { Lang } from '../config/types.js';
import { isLang, type Translations } from './texts.js';

const COOKIE = 'cert_idp.lang';

/** Sets the page language (and its translator); `remember` keeps the choice in a cookie. */
export function applyLang(ctx: Context, lang: Lang, remember: boolean): void {
  ctx.state.lang = lang;
  ctx.state.t = (ctx.state.translations as Translations).for(lang);
  if (remember) ctx.cookies.set(COOKIE, lang, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 365 * 86400_000, overwrite: true });
}

/**
 * The page language: ?lang= (the switch on every page) wins and is remembered, then the
 * remembered choice, then the client's ui_locales (applied on the interaction pages), then Japanese.
 */
export function language(translations: Translations) {
  return async (ctx: Context, next: Next) => {
    ctx.state.translations = translations;
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
