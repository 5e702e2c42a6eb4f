import Router from '@koa/router';
import type { Context } from 'koa';
import type { StaffUserRow } from '../../db/entities.js';
import { pageOf, type PageLocals } from '../../web/render.js';
import { message, page, redirect, staffForm, type StaffFlowDeps } from '../kit.js';
import type { StaffTextKey } from '../texts.js';
import { staffLoginForm, totpForm } from './forms.js';
import { confirmEnrolment, enrolmentOf, staffLogout, staffPasswordLogin, staffTotpLogin } from './service.js';
import type { StaffSessions } from './session.js';

// Sign-in to the console: login ID + password, then the TOTP code (or, the first time, its
// enrolment through a QR code); and the logout.

export function authRoutes({ services, store }: StaffFlowDeps, sessions: StaffSessions): Router {
  const router = new Router();

  const loginPage = (ctx: Context, locals: PageLocals = {}, status = 200) => page(ctx, 'login', { title: pageOf<StaffTextKey>(ctx).t('staff.login.title'), ...locals }, status);
  const totpPage = (ctx: Context, locals: PageLocals = {}, status = 200) => page(ctx, 'totp', { title: pageOf<StaffTextKey>(ctx).t('staff.totp.title'), ...locals }, status);
  const enrolPage = async (ctx: Context, staff: StaffUserRow, locals: PageLocals = {}, status = 200) => {
    const enrolment = await enrolmentOf(services, store, staff);
    page(ctx, 'enrol', {
      title: pageOf<StaffTextKey>(ctx).t('staff.enrol.title'), qr: enrolment.qr, secret: enrolment.groupedSecret, uri: enrolment.uri, ...locals,
    }, status);
  };

  router.get('/login', async (ctx) => {
    const current = await sessions.current(ctx);
    if (current?.view.session.totpVerified) return redirect(ctx, '/admin/applications');
    loginPage(ctx);
  });

  router.post('/login', staffForm, async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const values = { login_id: typeof body.login_id === 'string' ? body.login_id : '' };
    const form = staffLoginForm(body, pageOf<StaffTextKey>(ctx).t);
    if (!form.ok) return loginPage(ctx, { errors: form.errors, values }, 400);
    const result = await staffPasswordLogin(services, store, { loginId: form.value.login_id, password: form.value.password, ip: ctx.ip });
    if (result.kind !== 'ok') return loginPage(ctx, { failed: true, values }, 401);
    await store.destroySession(sessions.sent(ctx));
    sessions.set(ctx, result.sessionValue);
    redirect(ctx, result.next === 'totp' ? '/admin/totp' : '/admin/enrol');
  });

  router.get('/totp', async (ctx) => {
    const current = await sessions.pending(ctx);
    if (!current) return;
    if (!current.view.staff.totpEnabled) return redirect(ctx, '/admin/enrol');
    totpPage(ctx);
  });

  router.post('/totp', staffForm, async (ctx) => {
    const current = await sessions.pending(ctx);
    if (!current) return;
    if (!current.view.staff.totpEnabled) return redirect(ctx, '/admin/enrol');
    const form = totpForm(ctx.request.body, pageOf<StaffTextKey>(ctx).t);
    if (!form.ok) return totpPage(ctx, { errors: form.errors }, 400);
    const result = await staffTotpLogin(services, store, { view: current.view, sessionValue: current.value, code: form.value.code, ip: ctx.ip });
    if (result.kind !== 'ok') return totpPage(ctx, { failed: true }, 401);
    sessions.set(ctx, result.sessionValue);
    redirect(ctx, '/admin/applications');
  });

  router.get('/enrol', async (ctx) => {
    const current = await sessions.pending(ctx);
    if (!current) return;
    if (current.view.staff.totpEnabled) return redirect(ctx, '/admin/totp');
    await enrolPage(ctx, current.view.staff);
  });

  router.post('/enrol', staffForm, async (ctx) => {
    const current = await sessions.pending(ctx);
    if (!current) return;
    if (current.view.staff.totpEnabled) return redirect(ctx, '/admin/totp');
    const form = totpForm(ctx.request.body, pageOf<StaffTextKey>(ctx).t);
    if (!form.ok) return enrolPage(ctx, current.view.staff, { errors: form.errors }, 400);
    const result = await confirmEnrolment(services, store, { view: current.view, sessionValue: current.value, code: form.value.code, ip: ctx.ip });
    if (result.kind !== 'ok') return enrolPage(ctx, (await store.findById(current.view.staff.id)) ?? current.view.staff, { failed: true }, 401);
    sessions.set(ctx, result.sessionValue);
    redirect(ctx, '/admin/applications');
  });

  router.post('/logout', staffForm, async (ctx) => {
    await staffLogout(services, store, await sessions.current(ctx), ctx.ip);
    sessions.clear(ctx);
    const { t } = pageOf<StaffTextKey>(ctx);
    message(ctx, { title: t('staff.nav.logout'), paragraphs: [t('staff.logout.done')], links: [{ href: '/admin/login', label: t('staff.login.title') }] });
  });

  return router;
}
