import Router from '@koa/router';
import { timeZoneOf } from '../config/time-zone.js';
import type { WebDeps } from '../web/interaction.js';
import { accountRoutes } from './accounts/routes.js';
import { auditRoutes } from './audit/routes.js';
import { authRoutes } from './auth/routes.js';
import { staffSessions } from './auth/session.js';
import { catalogueRoutes } from './catalogue/routes.js';
import { noStore, setTimeZoneOf, type StaffFlowDeps } from './kit.js';
import { memberRoutes } from './members/routes.js';
import { passwordRoutes } from './password/routes.js';
import { reviewRoutes } from './review/routes.js';
import { StaffStore } from './staff-store.js';

// The staff console at /admin (DESIGN §2.3): its own sign-in (password + TOTP), its own session
// cookie (HttpOnly, SameSite=Strict, path /admin), role checks, and no page ever cached. Its flows:
//   auth/       ログイン, 確認コード, 二要素認証の設定, ログアウト; the session cookie and the staff guard
//   review/     申請一覧, 申請内容 and its documents, 承認 / 却下 / 再申請の依頼
//   accounts/   アカウント検索, the account page, ロック / ロック解除, 初回パスワードの再発行
//   catalogue/  大学・学部・学科 (administrators)
//   audit/      監査ログ (administrators)
//   members/    スタッフ管理 (administrators): add, disable, reset the password and the TOTP of a member
//   password/   パスワード変更 (every staff user, their own)

export function staffRoutes({ services }: WebDeps): Router {
  const store = new StaffStore(services.database);
  const sessions = staffSessions(store, services.config.issuer.startsWith('https://'));
  const deps: StaffFlowDeps = { services, store, requireStaff: sessions.requireStaff };
  const flows = [authRoutes(deps, sessions), reviewRoutes(deps), accountRoutes(deps), catalogueRoutes(deps), auditRoutes(deps), memberRoutes(deps), passwordRoutes(deps, sessions)];

  const router = new Router({ prefix: '/admin' });
  router.use(noStore);
  const timeZone = timeZoneOf(services.config);
  router.use((ctx, next) => {
    setTimeZoneOf(ctx, timeZone);
    return next();
  });
  for (const flow of flows) router.use(flow.routes());
  return router;
}
