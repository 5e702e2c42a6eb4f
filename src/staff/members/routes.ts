import Router from '@koa/router';
import type { Context } from 'koa';
import { logger } from '../../logger.js';
import { addError, type FieldErrors } from '../../web/forms.js';
import { pageOf, type PageLocals } from '../../web/render.js';
import type { Translate } from '../../web/texts.js';
import { generateInitialPassword, strictPasswordPolicy } from '../initial-password.js';
import { actorOf, isId, notFound, page, staffForm, type StaffFlowDeps } from '../kit.js';
import type { StaffTextKey } from '../texts.js';
import type { MemberTextKey } from './texts.js';
import { staffCreateForm } from './forms.js';
import { addStaffMember, changeStaffMember, resetStaffPassword, type CreateStaffResult, type MemberAction } from './service.js';

// スタッフ管理 (administrators): the staff list, a new staff user (its initial password and enrolment
// link shown once), and disabling, enabling and resetting the TOTP of another one (a new enrolment link,
// shown once), or their password and TOTP together (a new password and enrolment link, shown once).

/** Why a new staff user was refused, as messages on the form's fields. */
function memberErrors(t: Translate<StaffTextKey>, result: Extract<CreateStaffResult, { kind: 'invalid' }>): FieldErrors {
  const errors: FieldErrors = {};
  if (result.loginId) addError(errors, 'login_id', t('staff.staff.login_id_rule'));
  if (result.displayName) addError(errors, 'display_name', t('field.invalid', { field: t('staff.staff.display_name') }));
  if (result.role) addError(errors, 'role', t('field.invalid', { field: t('staff.staff.role') }));
  if (result.password.length) logger.error({ violations: result.password }, 'generated staff password refused by the policy');
  return errors;
}

export function memberRoutes({ services, store, requireStaff }: StaffFlowDeps): Router {
  const router = new Router();

  const staffPage = async (ctx: Context, locals: PageLocals = {}, status = 200) => {
    page(ctx, 'staff', { title: pageOf<StaffTextKey>(ctx).t('staff.staff.title'), members: await store.list(), ...locals }, status);
  };

  router.get('/staff', requireStaff('administrator'), (ctx) => staffPage(ctx));

  router.post('/staff', requireStaff('administrator'), staffForm, async (ctx) => {
    const { t } = pageOf<StaffTextKey>(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const form = staffCreateForm(body, t);
    if (!form.ok) return staffPage(ctx, { errors: form.errors, values: body }, 400);
    const password = generateInitialPassword(strictPasswordPolicy(services), 16);
    const { login_id: loginId, display_name: displayName, role } = form.value;
    const result = await addStaffMember(services, store, { loginId, displayName, role, password, createdBy: actorOf(ctx).id, generated: true });
    if (result.kind === 'exists') return staffPage(ctx, { errors: addError({}, 'login_id', t('staff.staff.exists')), values: body }, 409);
    if (result.kind === 'invalid') return staffPage(ctx, { errors: memberErrors(t, result), values: body }, 400);
    await staffPage(ctx, { created: { loginId: result.staff.loginId, password }, enrolment: result.enrolment });
  });

  for (const action of ['disable', 'enable', 'reset-totp'] as const satisfies readonly MemberAction[]) {
    router.post(`/staff/:id/${action}`, requireStaff('administrator'), staffForm, async (ctx) => {
      const { t } = pageOf<StaffTextKey>(ctx);
      const id = ctx.params.id;
      const result = isId(id) ? await changeStaffMember(services, store, actorOf(ctx), id, action) : { kind: 'not_found' as const };
      if (result.kind === 'not_found') return notFound(ctx);
      if (result.kind === 'self') return staffPage(ctx, { problem: t('staff.staff.self') }, 422);
      const login = result.target.loginId;
      await staffPage(ctx, { notice: action === 'reset-totp' ? t('staff.staff.totp_reset_done', { login }) : t('staff.staff.updated', { login }), enrolment: result.enrolment });
    });
  }

  router.post('/staff/:id/reset-password', requireStaff('administrator'), staffForm, async (ctx) => {
    const { t } = pageOf<MemberTextKey>(ctx);
    const id = ctx.params.id;
    const password = generateInitialPassword(strictPasswordPolicy(services), 16);
    const result = isId(id) ? await resetStaffPassword(services, store, actorOf(ctx), id, password) : { kind: 'not_found' as const };
    if (result.kind === 'not_found') return notFound(ctx);
    if (result.kind === 'self') return staffPage(ctx, { problem: t('staff.staff.self') }, 422);
    await staffPage(ctx, { passwordReset: { loginId: result.target.loginId, password }, enrolment: result.enrolment });
  });

  return router;
}
