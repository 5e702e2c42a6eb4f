import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { pageOf, type PageLocals } from '../../web/render.js';
import { displayNameOf, searchAccounts, studentNumbersOf } from '../account-search.js';
import { ReviewError } from '../actions.js';
import { fieldLabel, fieldValue } from '../application-fields.js';
import { auditEventName } from '../audit-events.js';
import { actorOf, isId, notFound, page, queryText, shownTime, staffForm, type StaffFlowDeps } from '../kit.js';
import {
  accountSessions, accountWithApplications, endAccountSessions, initialPasswordExpired, lockAccount, lockStateOf, loginHistoryOf,
  reissueInitialPassword, resetMailKindOf, ResetMailRefused, sendResetMail, unlockAccount,
} from './service.js';
import type { AccountPageTextKey } from './texts.js';

// Accounts in the console: the search, an account's page (its data, enrolments, applications,
// sessions, login history and locks), and what staff may do to it: ロック / ロック解除 (both locks),
// すべてのセッションを終了, the reset mails, a new initial password for a graduate who has not completed
// the first login.

/** How many entries of the login history the account page shows. */
const HISTORY_SIZE = 20;

export function accountRoutes({ services, requireStaff }: StaffFlowDeps): Router {
  const router = new Router();

  router.get('/accounts', requireStaff(), async (ctx) => {
    const query = queryText(ctx.query.q).slice(0, 200);
    const found = query ? await searchAccounts(services, query) : [];
    page(ctx, 'accounts', {
      title: pageOf<AccountPageTextKey>(ctx).t('staff.accounts.title'),
      query,
      searched: Boolean(query),
      accounts: found.map((account) => ({ account, name: displayNameOf(account), studentNumbers: studentNumbersOf(account) })),
    });
  });

  async function accountPage(ctx: Context, accountId: string, locals: PageLocals = {}, status = 200) {
    const { t, lang } = pageOf<AccountPageTextKey>(ctx);
    const found = isId(accountId) ? await accountWithApplications(services, accountId) : undefined;
    if (!found) return notFound(ctx);
    const { account } = found;
    const lock = await lockStateOf(services, account);
    const resetKind = resetMailKindOf(account);
    page(ctx, 'account', {
      title: t('staff.account.title'),
      account,
      name: displayNameOf(account),
      enrollments: account.profile?.enrollments ?? [],
      personal: Object.entries(account.personal ?? {}).map(([field, value]) => ({ label: fieldLabel(t, field), value: fieldValue(services, { t, lang }, field, value) })),
      initialState: account.passwordIsInitial
        ? t(initialPasswordExpired(account) ? 'staff.account.initial_expired' : 'staff.account.initial_pending', { date: shownTime(ctx, account.passwordExpiresAt) })
        : '',
      canReissue: account.userType === 'graduate' && Boolean(account.passwordIsInitial),
      applications: found.applications,
      sessions: (await accountSessions(services, account.id)).map((s) => ({ ...s, loginAt: shownTime(ctx, s.loginAt), expiresAt: shownTime(ctx, s.expiresAt) })),
      history: (await loginHistoryOf(services, account.id, HISTORY_SIZE)).map((e) => ({
        when: shownTime(ctx, e.occurredAt), name: auditEventName(e.event, lang), event: e.event, ip: e.ip ?? '', reason: typeof e.detail?.reason === 'string' ? e.detail.reason : '',
      })),
      historySize: HISTORY_SIZE,
      lock: {
        staffLock: lock.staffLock,
        loginLock: lock.loginLockedUntil
          ? t('staff.account.login_locked_until', { date: shownTime(ctx, lock.loginLockedUntil) })
          : t('staff.account.login_failures', { failures: lock.failures, max: lock.maxFailures }),
        locked: lock.staffLock || Boolean(lock.loginLockedUntil),
        loginLocked: Boolean(lock.loginLockedUntil),
      },
      reset: account.email ? {
        action: `/admin/accounts/${account.id}/reset-mail`,
        label: t(resetKind === 'password' ? 'staff.account.reset_mail_password' : 'staff.account.reset_mail_second_password'),
        note: t(resetKind === 'password' ? 'staff.account.reset_mail_password_note' : 'staff.account.reset_mail_second_password_note', { minutes: services.config.lifetimes.oneTimeUrlMinutes }),
      } : undefined,
      auditHref: `/admin/audit?subject=${account.id}`,
      ...locals,
    }, status);
  }

  router.get('/accounts/:id', requireStaff(), async (ctx) => accountPage(ctx, String(ctx.params.id)));

  /** An action on the account: done, its page again with what happened (or why it could not be done). */
  const accountAction = (action: (ctx: Context, accountId: string) => Promise<string | { problem: string }>): Middleware => async (ctx: Context) => {
    const accountId = String(ctx.params.id);
    if (!isId(accountId)) return notFound(ctx);
    const { t } = pageOf<AccountPageTextKey>(ctx);
    try {
      const done = await action(ctx, accountId);
      if (typeof done !== 'string') return accountPage(ctx, accountId, done, 429);
      await accountPage(ctx, accountId, { notice: done });
    } catch (error) {
      if (error instanceof ResetMailRefused) return accountPage(ctx, accountId, { problem: t(`staff.account.reset_refused.${error.problem}`) }, 422);
      if (!(error instanceof ReviewError)) throw error;
      await accountPage(ctx, accountId, { problem: t(`staff.error.${error.problem}`) }, error.problem === 'not_found' ? 404 : 422);
    }
  };

  router.post('/accounts/:id/lock', requireStaff(), staffForm, accountAction(async (ctx, accountId) => {
    await lockAccount(services, actorOf(ctx), { accountId });
    return pageOf<AccountPageTextKey>(ctx).t('staff.account.locked_done');
  }));

  router.post('/accounts/:id/unlock', requireStaff(), staffForm, accountAction(async (ctx, accountId) => {
    const { t } = pageOf<AccountPageTextKey>(ctx);
    const lifted = await unlockAccount(services, actorOf(ctx), { accountId });
    if (lifted.staffLock && lifted.loginLock) return t('staff.account.unlocked_both');
    return t(lifted.loginLock ? 'staff.account.unlocked_login_lock' : 'staff.account.unlocked_done');
  }));

  router.post('/accounts/:id/sessions/end', requireStaff(), staffForm, accountAction(async (ctx, accountId) => {
    const count = await endAccountSessions(services, actorOf(ctx), { accountId });
    return pageOf<AccountPageTextKey>(ctx).t('staff.account.sessions_ended', { count });
  }));

  router.post('/accounts/:id/reset-mail', requireStaff(), staffForm, accountAction(async (ctx, accountId) => {
    const { t } = pageOf<AccountPageTextKey>(ctx);
    const sent = await sendResetMail(services, actorOf(ctx), { accountId });
    if (sent.result === 'limited') return { problem: t('staff.account.reset_mail_limited') };
    const account = await services.accounts.findById(accountId);
    return t('staff.account.reset_mail_sent', { email: account?.email ?? '' });
  }));

  router.post('/accounts/:id/initial-password', requireStaff(), staffForm, accountAction(async (ctx, accountId) => {
    const { t } = pageOf<AccountPageTextKey>(ctx);
    const result = await reissueInitialPassword(services, actorOf(ctx), { accountId });
    return result.mailQueued ? t('staff.account.reissued', { date: shownTime(ctx, result.expiresAt) }) : t('staff.account.reissued_mail_failed');
  }));

  return router;
}
