import type { Context, Middleware, Next } from 'koa';
import { DEFAULT_TIME_ZONE } from '../config/time-zone.js';
import type { StaffRole, StaffUserRow } from '../db/entities.js';
import type { Services } from '../services.js';
import { formPost } from '../web/form-body.js';
import { pageOf, render, type PageLocals } from '../web/render.js';
import type { StaffActor } from './actions.js';
import { formatDateTime } from './format.js';
import type { StaffStore } from './staff-store.js';
import type { StaffTextKey } from './texts.js';

// What every flow of the staff console (DESIGN §2.3) shares: its pages, its answers, its guard and
// its form posts.

/** What index.ts hands every flow: the services, the console's one StaffStore and its guard. */
export interface StaffFlowDeps {
  services: Services;
  store: StaffStore;
  /** Only a fully signed-in staff user (password and TOTP) passes; `role` narrows it (auth/session.ts). */
  requireStaff: (role?: StaffRole) => Middleware;
}

/** Every staff form post: the urlencoded body (at most 32 kB), then the CSRF check (403 when it fails). */
export const staffForm: Middleware = formPost({ limit: '32kb' });

/** Lists of the console show this many rows a page. */
export const PAGE_SIZE = 50;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in URLs are UUIDs; anything else is not looked up. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A query parameter as text ('' when absent or repeated). */
export function queryText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Every staff response: never cached (a shared computer, a proxy). */
export const noStore: Middleware = async (ctx: Context, next: Next) => {
  ctx.set('Cache-Control', 'no-store');
  await next();
  ctx.set('Cache-Control', 'no-store');
};

/** The staff user the guard let through (auth/session.ts keeps it in ctx.state.staff), if any. */
function signedInStaff(ctx: Context): StaffUserRow | undefined {
  return ctx.state.staff as StaffUserRow | undefined;
}

export function setStaffOf(ctx: Context, staff: StaffUserRow): void {
  ctx.state.staff = staff;
}

/** The staff user of a page behind the guard. */
export function staffOf(ctx: Context): StaffUserRow {
  const staff = signedInStaff(ctx);
  if (!staff) throw new Error('staff page without the staff guard');
  return staff;
}

/** Who acts in a staff decision: the signed-in user, from this address. */
export function actorOf(ctx: Context): StaffActor {
  return { id: staffOf(ctx).id, ip: ctx.ip };
}

/** A redirect; after a form post it is a 303 (the next request is a GET). */
export function redirect(ctx: Context, to: string): void {
  ctx.redirect(to);
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') ctx.status = 303;
}

/** Every console request carries the office's time zone (index.ts sets it from the configuration). */
export function setTimeZoneOf(ctx: Context, timeZone: string): void {
  ctx.state.staffTimeZone = timeZone;
}

/** The time zone the console shows times in. */
export function timeZoneOfRequest(ctx: Context): string {
  return typeof ctx.state.staffTimeZone === 'string' ? ctx.state.staffTimeZone : DEFAULT_TIME_ZONE;
}

/** A time as this console shows it (YYYY/MM/DD HH:mm:ss in the configured time zone; '' for none). */
export function shownTime(ctx: Context, date: Date | null | undefined): string {
  return formatDateTime(date, timeZoneOfRequest(ctx));
}

/** A console page: views/staff/<view>.pug with the staff user (when signed in) and the date format. */
export function page(ctx: Context, view: string, locals: PageLocals = {}, status = 200): void {
  const staff = signedInStaff(ctx);
  const timeZone = timeZoneOfRequest(ctx);
  render(ctx, `staff/${view}`, {
    staff, isAdministrator: staff?.role === 'administrator', formatDateTime: (date: Date | null | undefined) => formatDateTime(date, timeZone), timeZone, ...locals,
  }, status);
}

export interface StaffMessage {
  title: string;
  paragraphs: string[];
  links?: Array<{ href: string; label: string }>;
  status?: number;
  tone?: 'info' | 'error';
}

/** A console notice: a heading, paragraphs and links (views/staff/message.pug). */
export function message(ctx: Context, options: StaffMessage): void {
  page(ctx, 'message', { title: options.title, paragraphs: options.paragraphs, links: options.links ?? [], tone: options.tone ?? 'info' }, options.status ?? 200);
}

function refused(ctx: Context, key: StaffTextKey, status: number): void {
  const { t } = pageOf<StaffTextKey>(ctx);
  message(ctx, { title: t('error.title'), paragraphs: [t(key)], status, tone: 'error', links: [{ href: '/admin/applications', label: t('staff.result.back_to_queue') }] });
}

export const forbidden = (ctx: Context): void => refused(ctx, 'staff.forbidden', 403);
export const notFound = (ctx: Context): void => refused(ctx, 'staff.not_found', 404);
