import Router from '@koa/router';
import type { Context } from 'koa';
import { historySize } from '../../credentials/history.js';
import { addPolicyErrors, passwordRules } from '../../credentials/messages.js';
import { addError } from '../../web/forms.js';
import { pageOf, type PageLocals } from '../../web/render.js';
import type { StaffSessions } from '../auth/session.js';
import { strictPasswordPolicy } from '../initial-password.js';
import { page, redirect, staffForm, staffOf, type StaffFlowDeps } from '../kit.js';
import { staffPasswordForm } from './forms.js';
import { changeOwnPassword } from './service.js';
import type { StaffPasswordTextKey } from './texts.js';

// パスワード変更 (/admin/password): every staff user changes their own password here; after an
// administrator reset it, the guard (auth/session.ts) opens nothing else until it is done.

export function passwordRoutes({ services, store, requireStaff }: StaffFlowDeps, sessions: StaffSessions): Router {
  const router = new Router();

  const passwordPage = (ctx: Context, locals: PageLocals = {}, status = 200) => {
    const { t } = pageOf<StaffPasswordTextKey>(ctx);
    const size = historySize(services);
    page(ctx, 'password', {
      title: t('staff.password.title'),
      required: Boolean(staffOf(ctx).passwordChangeRequired),
      rules: [...passwordRules(t, strictPasswordPolicy(services)), t('staff.password.rule_login_id'), ...(size ? [t('staff.password.rule_history', { count: size })] : [])],
      ...locals,
    }, status);
  };

  router.get('/password', requireStaff(), (ctx) => passwordPage(ctx));

  router.post('/password', requireStaff(), staffForm, async (ctx) => {
    const { t } = pageOf<StaffPasswordTextKey>(ctx);
    const form = staffPasswordForm(ctx.request.body, t);
    if (!form.ok) return passwordPage(ctx, { errors: form.errors }, 400);
    const current = await sessions.current(ctx);
    if (!current) return redirect(ctx, '/admin/login');
    const result = await changeOwnPassword(services, store, {
      staff: staffOf(ctx), sessionValue: current.value, current: form.value.current_password,
      candidate: form.value.new_password, confirmation: form.value.new_password_confirm, ip: ctx.ip,
    });
    if (result.kind === 'wrong_current') return passwordPage(ctx, { errors: addError({}, 'current_password', t('staff.password.wrong_current')) }, 400);
    if (result.kind === 'invalid') {
      const label = t('staff.password.label');
      const errors = addPolicyErrors(t, strictPasswordPolicy(services), {}, 'new_password', label, result.violations);
      if (result.sameAsLoginId) addError(errors, 'new_password', t('staff.password.rule_login_id'));
      if (result.mismatch) addError(errors, 'new_password_confirm', t('field.mismatch', { field: label }));
      return passwordPage(ctx, { errors }, 400);
    }
    const refreshed = await store.findById(staffOf(ctx).id);
    passwordPage(ctx, { notice: t('staff.password.done'), required: Boolean(refreshed?.passwordChangeRequired) });
  });

  return router;
}
