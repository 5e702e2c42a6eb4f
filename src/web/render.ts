import path from 'node:path';
import type { Context } from 'koa';
import type { Lang, Localized } from '../config/types.js';
import { lazyModule } from '../lazy-module.js';
import { projectPath } from '../project-root.js';
import type { FieldErrors } from './forms.js';
import type { CommonTextKey } from './common-texts.js';
import type { Translate } from './texts.js';

export interface Branding { universityName: Localized; serviceName: Localized }

/** What every page handler finds in ctx.state (set by the web middleware in app.ts). */
export interface PageState<K extends string = CommonTextKey> {
  lang: Lang;
  /** The service's one translator; `K` narrows it to the tables a capability builds on. */
  t: Translate<K>;
  /** Made on first use (a page with a form: views/mixins/forms.pug); sets the CSRF cookie if needed. */
  csrfToken: () => string;
  branding: Branding;
}

/** The page basics of this request, with the translator typed for the caller's texts. */
export function pageOf<K extends string = CommonTextKey>(ctx: Context): PageState<K> {
  return ctx.state as PageState<K>;
}

const viewsDir = projectPath('views');
// Compiled templates are always cached: the server does not reload views while it runs. The compiler
// itself is loaded with the first page (a replica that answers only the provider's API never needs it).
const cache = true;
const pug = lazyModule<typeof import('pug')>('pug');

export interface PageLocals {
  title?: string;
  errors?: FieldErrors;
  values?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Renders a pug view with the page basics (language, texts, CSRF token for its forms, branding). */
export function render(ctx: Context, view: string, locals: PageLocals = {}, status = 200): void {
  const state = pageOf(ctx);
  const switchUrl = new URL(ctx.originalUrl, 'http://x');
  switchUrl.searchParams.set('lang', state.lang === 'ja' ? 'en' : 'ja');
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = pug().renderFile(path.join(viewsDir, `${view}.pug`), {
    cache,
    basedir: viewsDir,
    lang: state.lang,
    t: state.t,
    // Called by the form mixin: a page without a form sets no cookie.
    csrfToken: state.csrfToken,
    universityName: state.branding.universityName[state.lang],
    serviceName: state.branding.serviceName[state.lang],
    langSwitchUrl: `${switchUrl.pathname}${switchUrl.search}`,
    errors: {},
    values: {},
    ...locals,
  });
}

/** A page with a heading, paragraphs and optional buttons/links: used for every notice. */
export function renderMessage(
  ctx: Context,
  options: { title: string; paragraphs: readonly string[]; link?: { href: string; label: string }; status?: number; tone?: 'info' | 'error' },
): void {
  render(ctx, 'message', { title: options.title, paragraphs: options.paragraphs, link: options.link, tone: options.tone ?? 'info' }, options.status ?? 200);
}
