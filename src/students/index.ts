import Router from '@koa/router';
import type { Context } from 'koa';
import type { InteractionDetails, WebDeps } from '../web/interaction.js';
import { emailRegistrationRoutes } from './email-registration/routes.js';
import { emailRegistrationScreen } from './email-registration/screen.js';
import { federationRoutes } from './federation/routes.js';
import { federatedLoginScreen } from './federation/screen.js';
import { awaitingSecondPassword } from './federation/service.js';
import { loginRoutes } from './login/routes.js';
import { passwordLoginScreen, type LoginScreenOptions } from './login/screen.js';
import { secondPasswordRoutes } from './second-password/routes.js';
import { secondPasswordScreen } from './second-password/screen.js';

// The current students (manual 000): 在学生ログイン with the university's directory or its SSO, and the
// first-login steps メールアドレス設定 and 第2パスワード設定; 第2パスワードを忘れた場合.

/** The student screens of the login interaction, shown by its dispatcher (src/interaction). */
export function studentScreens(deps: WebDeps) {
  const passwordLogin = passwordLoginScreen(deps);
  const federatedLogin = federatedLoginScreen(deps);
  return {
    /** With the university's OpenID Connect SSO, the student signs in there (and gives the second password here). */
    login: (ctx: Context, details: InteractionDetails, options?: LoginScreenOptions): void | Promise<void> => (
      deps.services.directory.kind === 'redirect' ? federatedLogin(ctx, details) : passwordLogin(ctx, details, options)),
    loginUnderway: (details: InteractionDetails): Promise<boolean> => awaitingSecondPassword(deps.services, details.uid),
    emailRegistration: emailRegistrationScreen(deps),
    secondPassword: secondPasswordScreen(deps),
  };
}

/** The students' routes, flow by flow. */
export function studentRoutes(deps: WebDeps): Router {
  const screens = studentScreens(deps);
  const flows = [
    federationRoutes(deps),
    loginRoutes(deps, screens.login),
    emailRegistrationRoutes(deps),
    secondPasswordRoutes(deps),
  ];
  const router = new Router();
  for (const flow of flows) router.use(flow.routes());
  return router;
}
