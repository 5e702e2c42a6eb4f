import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Lang } from '../config/types.js';
import type { Services } from '../services.js';
import { formPost } from '../web/form-body.js';
import { interactionPath } from '../web/interaction.js';
import { pageOf, render, renderMessage, type PageLocals } from '../web/render.js';
import { forgotForm } from './forms.js';
import type { EmailTextKey } from './texts.js';

// The "forgotten" page of a credential (S6 第2パスワードを忘れた場合, G11 パスワードを忘れた場合): メールアドレス
// → 送信 → the same answer whether or not the address is registered, in content and in time: the
// lookup and everything that depends on it (the token, the mail, the audit event) run after the answer
// has been sent (services.background), so a registered address does not answer more slowly.
// `interaction` carries the login the user came from, so that the answer (and later the reset) links
// back to it.

export interface ForgotPage<K extends string> {
  path: string;
  view: string;
  /** The page's title (a key of the capability's texts). */
  title: K;
  /**
   * Sends the reset link when the address belongs to an account that may have one. Runs after the
   * answer: its outcome (and its failure) never shows on the page.
   */
  request(input: { email: string; lang: Lang; interactionUid?: string; ip: string }): Promise<void>;
}

export function addForgotRoutes<K extends string>(router: Router, services: Pick<Services, 'background'>, page: ForgotPage<K>): void {
  const show = (ctx: Context, interaction: string, locals: PageLocals = {}) => {
    render(ctx, page.view, { title: pageOf<K>(ctx).t(page.title), interaction, ...locals });
  };
  router.get(page.path, (ctx) => show(ctx, interactionPath(ctx.query.interaction) ? String(ctx.query.interaction) : ''));
  router.post(page.path, formPost(), async (ctx) => {
    const { t, lang } = pageOf<K | EmailTextKey>(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const interaction = interactionPath(body.interaction) ? String(body.interaction) : '';
    const { interaction: _ignored, ...fields } = body;
    const form = forgotForm(fields, t);
    if (!form.ok) return show(ctx, interaction, { errors: form.errors, values: fields });
    const request = { email: form.value.email, lang, interactionUid: interaction || undefined, ip: ctx.ip };
    await services.background.run(page.path, () => page.request(request), ctx.res);
    const back = interactionPath(interaction);
    renderMessage(ctx, {
      title: t(page.title),
      paragraphs: [t('forgot.sent')],
      link: back ? { href: back, label: t('common.go_to_login') } : undefined,
    });
  });
}
