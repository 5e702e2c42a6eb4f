import Router from '@koa/router';
import type { WebDeps } from '../web/interaction.js';
import { confirmRoutes } from './confirm/routes.js';
import { emailRoutes } from './email/routes.js';
import { accountGuards } from './guards.js';
import { menuRoutes } from './menu/routes.js';
import { passwordRoutes } from './password/routes.js';
import { secondPasswordRoutes } from './second-password/routes.js';

/**
 * The account menu (manual §2.4, §3.1) under /account: the menu and its login, メールアドレス変更,
 * 第2パスワード変更, パスワード変更 and the re-authentication before them. It rides on the provider's own
 * session (src/sessions/signed-in.ts).
 */
export function accountRoutes(deps: WebDeps): Router {
  const guards = accountGuards(deps);
  const flows = [
    menuRoutes(deps, guards),
    emailRoutes(deps, guards),
    secondPasswordRoutes(deps, guards),
    passwordRoutes(deps, guards),
    confirmRoutes(deps, guards),
  ];
  const router = new Router({ prefix: '/account' });
  for (const flow of flows) router.use(flow.routes());
  return router;
}
