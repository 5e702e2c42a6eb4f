import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

/**
 * The views `npm run build` compiled (src/cli/compile-views.ts), next to the compiled code: dist/views/.
 * The production build renders with them and never loads the pug compiler, about 10 MiB of resident
 * memory (DESIGN §7: memory); from src/ (tsx: tests, the demo) there are none and pug compiles the views.
 */
export const PRECOMPILED_VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));
type Template = (locals: Record<string, unknown>) => string;
const require = createRequire(import.meta.url);
const precompiled = new Map<string, Template | null>();

function precompiledView(view: string): Template | null {
  let template = precompiled.get(view);
  if (template === undefined) {
    const file = path.join(PRECOMPILED_VIEWS_DIR, `${view}.cjs`);
    template = existsSync(file) ? require(file) as Template : null;
    precompiled.set(view, template);
  }
  return template;
}

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
  const options = {
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
  };
  const template = precompiledView(view);
  ctx.body = template ? template(options) : pug().renderFile(path.join(viewsDir, `${view}.pug`), options);
}

/** A page with a heading, paragraphs and optional buttons/links: used for every notice. */
export function renderMessage(
  ctx: Context,
  options: { title: string; paragraphs: readonly string[]; link?: { href: string; label: string }; status?: number; tone?: 'info' | 'error' },
): void {
  render(ctx, 'message', { title: options.title, paragraphs: options.paragraphs, link: options.link, tone: options.tone ?? 'info' }, options.status ?? 200);
}
