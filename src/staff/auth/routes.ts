import Router from '@koa/router';
import type { Context } from 'koa';
import type { StaffUserRow } from '../../db/entities.js';
import { pageOf, type PageLocals } from '../../web/render.js';
import { message, page, redirect, staffForm, type StaffFlowDeps } from '../kit.js';
import type { StaffTextKey } from '../texts.js';
import { ENROLMENT_TOKEN_PATTERN } from '../staff-store.js';
import { enrolForm, staffLoginForm, totpForm } from './forms.js';
import { confirmEnrolment, enrolmentOf, staffLogout, staffPasswordLogin, staffTotpLogin } from './service.js';
import type { StaffSessions } from './session.js';

// Sign-in to the console: login ID + password, then the TOTP code (or, the first time and after a
// reset, its enrolment through a QR code — opened only by the enrolment link create-staff or an
// administrator handed out: /admin/enrol?token=…); and the logout.

/** The enrolment link's token as the request carries it, when it has the shape of one. */
function tokenIn(value: unknown): string | undefined {
  return typeof value === 'string' && ENROLMENT_TOKEN_PATTERN.test(value) ? value : undefined;
}

export function authRoutes({ services, store }: StaffFlowDeps, sessions: StaffSessions): Router {
  const router = new Router();

  const loginPage = (ctx: Context, locals: PageLocals = {}, status = 200) => page(ctx, 'login', { title: pageOf<StaffTextKey>(ctx).t('staff.login.title'), ...locals }, status);
  const totpPage = (ctx: Context, locals: PageLocals = {}, status = 200) => page(ctx, 'totp', { title: pageOf<StaffTextKey>(ctx).t('staff.totp.title'), ...locals }, status);
  const enrolPage = async (ctx: Context, staff: StaffUserRow, token: string, locals: PageLocals = {}, status = 200) => {
    const enrolment = await enrolmentOf(services, store, staff);
    page(ctx, 'enrol', {
      title: pageOf<StaffTextKey>(ctx).t('staff.enrol.title'), qr: enrolment.qr, secret: enrolment.groupedSecret, uri: enrolment.uri, token, ...locals,
    }, status);
  };
  /** The login page an enrolment link opens: the password first, then (on the same link) the enrolment. */
  const enrolmentLoginPage = (ctx: Context, token: string, locals: PageLocals = {}, status = 200) =>
    loginPage(ctx, { lead: pageOf<StaffTextKey>(ctx).t('staff.enrol.link_login'), enrolmentToken: token, ...locals }, status);
  /** No enrolment without a live enrolment link: what to do instead (ask an administrator for one). */
  const linkProblem = (ctx: Context, problem: 'missing' | 'expired' | 'unknown') => {
    const { t } = pageOf<StaffTextKey>(ctx);
    const [key, status] = problem === 'expired' ? ['staff.enrol.link_expired', 410] as const
      : problem === 'unknown' ? ['staff.enrol.link_invalid', 400] as const : ['staff.enrol.link_needed', 403] as const;
    message(ctx, { title: t('staff.enrol.title'), paragraphs: [t(key)], status, tone: 'error', links: [{ href: '/admin/login', label: t('staff.login.title') }] });
  };

  router.get('/login', async (ctx) => {
    const current = await sessions.current(ctx);
    if (current?.view.session.totpVerified) return redirect(ctx, '/admin/applications');
    loginPage(ctx);
  });

  router.post('/login', staffForm, async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const values = { login_id: typeof body.login_id === 'string' ? body.login_id : '' };
    const token = tokenIn(body.enrolment_token);
    const again = (locals: PageLocals, status: number) => (token ? enrolmentLoginPage(ctx, token, locals, status) : loginPage(ctx, locals, status));
    const form = staffLoginForm(body, pageOf<StaffTextKey>(ctx).t);
    if (!form.ok) return again({ errors: form.errors, values }, 400);
    const result = await staffPasswordLogin(services, store, { loginId: form.value.login_id, password: form.value.password, ip: ctx.ip });
    if (result.kind !== 'ok') return again({ failed: true, values }, 401);
    await store.destroySession(sessions.sent(ctx));
    sessions.set(ctx, result.sessionValue);
    if (result.next === 'totp') return redirect(ctx, '/admin/totp');
    redirect(ctx, token ? `/admin/enrol?token=${encodeURIComponent(token)}` : '/admin/enrol');
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

  // The enrolment. Without a link: a password-only session of a user who has not enrolled is told to
  // ask an administrator for one. With a live link (looked at, never used up, by GET and HEAD): the
  // login page until the link's own user has given the password, then the QR code.
  router.get('/enrol', async (ctx) => {
    if (ctx.query.token === undefined) {
      const current = await sessions.pending(ctx);
      if (!current) return;
      if (current.view.staff.totpEnabled) return redirect(ctx, '/admin/totp');
      return linkProblem(ctx, 'missing');
    }
    const link = await store.findEnrolment(ctx.query.token);
    if (link.status !== 'valid') return linkProblem(ctx, link.status);
    const token = ctx.query.token as string;
    const current = await sessions.current(ctx);
    if (!current || current.view.session.totpVerified || current.view.staff.id !== link.staff.id) return enrolmentLoginPage(ctx, token);
    await enrolPage(ctx, link.staff, token);
  });

  router.post('/enrol', staffForm, async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const current = await sessions.current(ctx);
    if (!current || current.view.session.totpVerified) {
      // The password-only session ended (10 minutes): the link, when there is one, leads to the login again.
      const token = tokenIn(body.token);
      return redirect(ctx, token ? `/admin/enrol?token=${encodeURIComponent(token)}` : current ? '/admin/applications' : '/admin/login');
    }
    if (current.view.staff.totpEnabled) return redirect(ctx, '/admin/totp');
    const link = await store.findEnrolment(body.token);
    if (link.status !== 'valid' || link.staff.id !== current.view.staff.id) return linkProblem(ctx, link.status === 'expired' ? 'expired' : 'unknown');
    const token = body.token as string;
    const form = enrolForm(body, pageOf<StaffTextKey>(ctx).t);
    if (!form.ok) return enrolPage(ctx, link.staff, token, { errors: form.errors }, 400);
    const result = await confirmEnrolment(services, store, { view: current.view, sessionValue: current.value, code: form.value.code, token: form.value.token, ip: ctx.ip });
    if (result.kind === 'link') return linkProblem(ctx, 'unknown');
    if (result.kind !== 'ok') return enrolPage(ctx, (await store.findById(link.staff.id)) ?? link.staff, token, { failed: true }, 401);
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
