import type { Context, Middleware, Next } from 'koa';
import type { StaffRole } from '../../db/entities.js';
import { forbidden, redirect, setStaffOf } from '../kit.js';
import type { StaffSessionView, StaffStore } from '../staff-store.js';

// The console's own session cookie (DESIGN §2.3): signed, HttpOnly, SameSite=Strict, path /admin; the
// value is the session id, which the table keeps only hashed (staff-store.ts).

const COOKIE = 'cert_idp.staff';

/** パスワード変更 (password/routes.ts): the only page of a user who must replace a password an administrator set. */
const PASSWORD_PATH = '/admin/password';

export interface CurrentSession { view: StaffSessionView; value: string }

export function staffSessions(store: StaffStore, secure: boolean) {
  const cookieOptions = { signed: true, httpOnly: true, sameSite: 'strict' as const, secure, path: '/admin', overwrite: true };

  async function current(ctx: Context): Promise<CurrentSession | undefined> {
    const value = ctx.cookies.get(COOKIE, { signed: true });
    const view = await store.findSession(value);
    return view && value ? { view, value } : undefined;
  }

  return {
    current,
    /** The cookie's value as the browser sent it (a session that may have ended). */
    sent: (ctx: Context) => ctx.cookies.get(COOKIE, { signed: true }),
    set: (ctx: Context, value: string) => ctx.cookies.set(COOKIE, value, cookieOptions),
    clear: (ctx: Context) => ctx.cookies.set(COOKIE, null, cookieOptions),

    /** The steps after the password: only a session that has not passed the TOTP step yet (else a redirect). */
    async pending(ctx: Context): Promise<CurrentSession | undefined> {
      const session = await current(ctx);
      if (!session) redirect(ctx, '/admin/login');
      else if (session.view.session.totpVerified) redirect(ctx, '/admin/applications');
      else return session;
      return undefined;
    },

    /**
     * The staff guard: only a fully signed-in staff user (password and TOTP) gets past it; a
     * password-only session is sent back to its TOTP step, anyone else to the login. `role` narrows
     * it to administrators (403 for the others).
     */
    requireStaff: (role?: StaffRole): Middleware => async (ctx: Context, next: Next) => {
      const session = await current(ctx);
      if (!session) return redirect(ctx, '/admin/login');
      if (!session.view.session.totpVerified) return redirect(ctx, session.view.staff.totpEnabled ? '/admin/totp' : '/admin/enrol');
      setStaffOf(ctx, session.view.staff);
      // A password an administrator set is replaced before anything else is opened.
      if (session.view.staff.passwordChangeRequired && ctx.path !== PASSWORD_PATH) return redirect(ctx, PASSWORD_PATH);
      if (role === 'administrator' && session.view.staff.role !== 'administrator') return forbidden(ctx);
      await next();
    },
  };
}

export type StaffSessions = ReturnType<typeof staffSessions>;
