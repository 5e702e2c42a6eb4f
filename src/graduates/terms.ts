import type { Context } from 'koa';
import type { GraduatesConfig } from '../config/types.js';
import type { FieldErrors } from '../web/forms.js';
import { pageOf, render } from '../web/render.js';
import type { GraduateTextKey } from './texts.js';

/**
 * 利用許諾: the terms in the page's language, and their version in the form (a stale version is
 * refused on submit). Shown in the application (G1) and, when the terms changed, at login (G4).
 */
export function renderTerms(ctx: Context, terms: GraduatesConfig['terms'] | undefined, options: { action: string; updated?: boolean; errors?: FieldErrors }): void {
  const { t, lang } = pageOf<GraduateTextKey>(ctx);
  render(ctx, 'graduates/terms', {
    title: t('terms.title'), action: options.action, updated: options.updated,
    termsText: terms?.text[lang] ?? '', termsVersion: terms?.version ?? '', errors: options.errors,
  });
}
