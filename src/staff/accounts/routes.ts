import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { pageOf, type PageLocals } from '../../web/render.js';
import { displayNameOf, searchAccounts, studentNumbersOf } from '../account-search.js';
import { ReviewError } from '../actions.js';
import { fieldLabel, fieldValue } from '../application-fields.js';
import { formatDateTime } from '../format.js';
import { actorOf, isId, notFound, page, queryText, staffForm, type StaffFlowDeps } from '../kit.js';
import type { StaffTextKey } from '../texts.js';
import { accountWithApplications, initialPasswordExpired, reissueInitialPassword, setAccountLocked } from './service.js';

// Accounts in the console: the search, an account's page, and what staff may do to it (ロック / ロック解除,
// a new initial password for a graduate who has not completed the first login).

export function accountRoutes({ services, requireStaff }: StaffFlowDeps): Router {
  const router = new Router();

  router.get('/accounts', requireStaff(), async (ctx) => {
    const query = queryText(ctx.query.q).slice(0, 200);
    const found = query ? await searchAccounts(services, query) : [];
    page(ctx, 'accounts', {
      title: pageOf<StaffTextKey>(ctx).t('staff.accounts.title'),
      query,
      searched: Boolean(query),
      accounts: found.map((account) => ({ account, name: displayNameOf(account), studentNumbers: studentNumbersOf(account) })),
    });
  });

  async function accountPage(ctx: Context, accountId: string, locals: PageLocals = {}, status = 200) {
    const { t, lang } = pageOf<StaffTextKey>(ctx);
    const found = isId(accountId) ? await accountWithApplications(services, accountId) : undefined;
    if (!found) return notFound(ctx);
    const { account } = found;
    page(ctx, 'account', {
      title: t('staff.account.title'),
      account,
      name: displayNameOf(account),
      enrollments: account.profile?.enrollments ?? [],
      personal: Object.entries(account.personal ?? {}).map(([field, value]) => ({ label: fieldLabel(t, field), value: fieldValue(services, { t, lang }, field, value) })),
      initialState: account.passwordIsInitial
        ? t(initialPasswordExpired(account) ? 'staff.account.initial_expired' : 'staff.account.initial_pending', { date: formatDateTime(account.passwordExpiresAt) })
        : '',
      canReissue: account.userType === 'graduate' && Boolean(account.passwordIsInitial),
      applications: found.applications,
      ...locals,
    }, status);
  }

  router.get('/accounts/:id', requireStaff(), async (ctx) => accountPage(ctx, String(ctx.params.id)));

  /** An action on the account: done, its page again with what happened (or why it could not be done). */
  const accountAction = (action: (ctx: Context, accountId: string) => Promise<string>): Middleware => async (ctx: Context) => {
    const accountId = String(ctx.params.id);
    if (!isId(accountId)) return notFound(ctx);
    try {
      const done = await action(ctx, accountId);
      await accountPage(ctx, accountId, { notice: done });
    } catch (error) {
      if (!(error instanceof ReviewError)) throw error;
      await accountPage(ctx, accountId, { problem: pageOf<StaffTextKey>(ctx).t(`staff.error.${error.problem}`) }, error.problem === 'not_found' ? 404 : 422);
    }
  };

  router.post('/accounts/:id/lock', requireStaff(), staffForm, accountAction(async (ctx, accountId) => {
    await setAccountLocked(services, actorOf(ctx), { accountId, locked: true });
    return pageOf<StaffTextKey>(ctx).t('staff.account.locked_done');
  }));

  router.post('/accounts/:id/unlock', requireStaff(), staffForm, accountAction(async (ctx, accountId) => {
    await setAccountLocked(services, actorOf(ctx), { accountId, locked: false });
    return pageOf<StaffTextKey>(ctx).t('staff.account.unlocked_done');
  }));

  router.post('/accounts/:id/initial-password', requireStaff(), staffForm, accountAction(async (ctx, accountId) => {
    const { t } = pageOf<StaffTextKey>(ctx);
    const result = await reissueInitialPassword(services, actorOf(ctx), { accountId });
    return result.mailQueued ? t('staff.account.reissued', { date: formatDateTime(result.expiresAt) }) : t('staff.account.reissued_mail_failed');
  }));

  return router;
}
