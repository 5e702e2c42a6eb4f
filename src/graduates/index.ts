import Router from '@koa/router';
import type { WebDeps } from '../web/interaction.js';
import { applyRoutes } from './apply/routes.js';
import { graduateLoginRoutes } from './login/routes.js';
import { passwordResetRoutes } from './password-reset/routes.js';
import { enrollmentRoutes } from './self-service/enrollment/routes.js';
import { personalDataRoutes } from './self-service/personal-data/routes.js';

// The graduates (manual 002), one folder per flow:
//   login/           卒業生ログイン, パスワード設定 (G3), 利用許諾 at login (G4) — the interaction's graduate screens
//   password-reset/  パスワードを忘れた場合 (G11)
//   apply/           利用申請 (G1): request → mailed URL → 利用許諾 → form → documents → 確認 → 申請受付
//   self-service/    on the account menu's session: 学籍番号追加登録 (G5 enrollment/), 個人情報設定・変更 (G6 personal-data/)
// Shared by several flows: texts.ts, mails.ts, password-setup.ts (G3, G11), terms.ts (G1, G4), applicant.ts and
// mailed-url.ts (G1, G5).

export { graduateScreens } from './login/screens.js';

/** The graduates' routes, flow by flow. */
export function graduateRoutes(deps: WebDeps): Router {
  const flows = [
    graduateLoginRoutes(deps),
    passwordResetRoutes(deps),
    applyRoutes(deps),
    enrollmentRoutes(deps),
    personalDataRoutes(deps),
  ];
  const router = new Router();
  for (const flow of flows) router.use(flow.routes());
  return router;
}
