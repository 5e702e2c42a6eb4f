import Router from '@koa/router';
import type { Context } from 'koa';
import { ACR } from '../../oidc/provider.js';
import { formPost } from '../../web/form-body.js';
import { finishInteraction, interactionOf, type InteractionDetails, type WebDeps } from '../../web/interaction.js';
import { renderUnavailable } from '../../web/pages.js';
import { pageOf } from '../../web/render.js';
import type { StudentTextKey } from '../texts.js';
import { loginForm } from './forms.js';
import type { LoginScreenOptions } from './screen.js';
import { authenticateStudent } from './service.js';

/** The login screen as the configured directory shows it (with the university SSO, its own page). */
export type StudentLoginScreen = (ctx: Context, details: InteractionDetails, options?: LoginScreenOptions) => void | Promise<void>;

/** 在学生ログイン (S3): ユーザID, パスワード, 第2パスワード. */
export function loginRoutes(deps: WebDeps, loginScreen: StudentLoginScreen): Router {
  const { services, provider } = deps;
  const router = new Router();

  router.post('/interaction/:uid/login', formPost(), async (ctx) => {
    const details = await interactionOf(ctx, provider);
    if (details.prompt.name !== 'login') return ctx.redirect(`/interaction/${details.uid}`);
    const form = loginForm(ctx.request.body, pageOf<StudentTextKey>(ctx).t);
    const body = ctx.request.body as Record<string, unknown>;
    const values = { user_id: typeof body?.user_id === 'string' ? body.user_id : '' };
    if (!form.ok) return loginScreen(ctx, details, { errors: form.errors, values });
    const outcome = await authenticateStudent(services, {
      userId: form.value.user_id,
      password: form.value.password,
      secondPassword: form.value.second_password,
      ip: ctx.ip,
    });
    if (outcome.kind === 'unavailable') return renderUnavailable(ctx);
    if (outcome.kind === 'invalid') return loginScreen(ctx, details, { values: { user_id: form.value.user_id }, failed: true });
    await finishInteraction(ctx, provider, {
      login: {
        accountId: outcome.account.id,
        acr: outcome.complete ? ACR.twoPasswords : ACR.password,
        amr: ['pwd'],
        // A browser-session cookie: the manual tells users to close the browser after use.
        remember: false,
      },
    }, false, details);
  });

  return router;
}
