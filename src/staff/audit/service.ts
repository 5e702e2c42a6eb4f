import { In, type SelectQueryBuilder } from 'typeorm';
import type { AuditEvent } from '../../audit/audit-log.js';
import type { Lang } from '../../config/types.js';
import type { AccountRow, AuditEventRow, StaffUserRow } from '../../db/entities.js';
import type { Services } from '../../services.js';
import { displayNameOf } from '../account-search.js';
import { auditEventName, detailName } from '../audit-events.js';
import { formatDateTime, startOfDay } from '../format.js';
import { isId } from '../kit.js';
import type { StaffStore } from '../staff-store.js';

// The audit log as administrators read it (監査ログ): newest first, a page at a time, filtered by event,
// by the staff member who acted, by what was acted on and by the office's calendar days; ids shown as
// the names they stand for; and the same rows as CSV.

/** What the filters ask for, once checked (routes.ts turns the query into this). */
export interface AuditFilter {
  event?: AuditEvent;
  /** The staff member who acted (detail.staffId). */
  actorStaffId?: string;
  /** What was acted on, as typed: an account, staff member or application id, an address or a login ID. */
  subject?: string;
  /** Calendar days (YYYY-MM-DD) in the office's time zone, both included. */
  from?: string;
  to?: string;
}

type AuditServices = Pick<Services, 'database' | 'accounts'>;

/** A name with, where the console has a page for it, a link. */
export interface Shown { label: string; href?: string }

export interface AuditEntry {
  id: string;
  when: string;
  event: string;
  eventName: string;
  actor?: Shown;
  subject?: Shown;
  ip: string;
  details: Array<{ name: string; value: string; href?: string }>;
  /** The detail as recorded, for the CSV. */
  raw: string;
}

function rows(services: Pick<Services, 'database'>) {
  return services.database.dataSource.getRepository(services.database.entities.AuditEvent);
}

/** The detail column as text (MySQL's JSON type is compared as its text form). */
function detailText(services: Pick<Services, 'database'>): string {
  return services.database.dialect === 'mysql' ? 'CAST(a.detail AS CHAR)' : 'a.detail';
}

/**
 * `"key":"id"` in the detail's JSON text, with or without the space MySQL's JSON type writes after
 * the colon. Ids are UUIDs (checked before), so they hold no LIKE wildcard.
 */
function detailHas(builder: SelectQueryBuilder<AuditEventRow>, services: Pick<Services, 'database'>, key: string, ids: string[], name: string): string {
  const column = detailText(services);
  const parts: string[] = [];
  ids.forEach((id, i) => {
    builder.setParameter(`${name}${i}a`, `%"${key}":"${id}"%`);
    builder.setParameter(`${name}${i}b`, `%"${key}": "${id}"%`);
    parts.push(`${column} LIKE :${name}${i}a`, `${column} LIKE :${name}${i}b`);
  });
  return parts.join(' OR ');
}

/** The ids a subject stands for: itself when it is an id, else the accounts and staff users it names. */
export async function subjectIds(services: AuditServices, store: StaffStore, subject: string): Promise<string[]> {
  const text = subject.normalize('NFKC').trim();
  if (!text) return [];
  if (isId(text as unknown)) return [text.toLowerCase()];
  const ids: string[] = [];
  const account = text.includes('@') ? await services.accounts.findByEmail(text) : await services.accounts.findStudentByDirectoryId(text);
  if (account) ids.push(account.id);
  const staff = await store.findByLoginId(text);
  if (staff) ids.push(staff.id);
  return ids;
}

/** The day after a YYYY-MM-DD day; none after 9999-12-31 (the last day a filter can name: no upper bound then). */
function nextDay(day: string): string | undefined {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  const next = date.toISOString();
  return /^\d{4}-/.test(next) ? next.slice(0, 10) : undefined;
}

async function filtered(services: AuditServices, store: StaffStore, filter: AuditFilter, timeZone: string): Promise<SelectQueryBuilder<AuditEventRow> | undefined> {
  const builder = rows(services).createQueryBuilder('a');
  if (filter.event) builder.andWhere('a.event = :event', { event: filter.event });
  if (filter.actorStaffId) builder.andWhere(`(${detailHas(builder, services, 'staffId', [filter.actorStaffId], 'actor')})`);
  if (filter.subject) {
    const ids = await subjectIds(services, store, filter.subject);
    if (!ids.length) return undefined;
    builder.andWhere(`(a.account_id IN (:...subjectIds) OR ${detailHas(builder, services, 'targetStaffId', ids, 'target')} OR ${detailHas(builder, services, 'applicationId', ids, 'application')})`, { subjectIds: ids });
  }
  if (filter.from) builder.andWhere('a.occurred_at >= :from', { from: startOfDay(filter.from, timeZone) });
  const end = filter.to ? nextDay(filter.to) : undefined;
  if (end) builder.andWhere('a.occurred_at < :to', { to: startOfDay(end, timeZone) });
  return builder.orderBy('a.occurred_at', 'DESC').addOrderBy('a.id', 'DESC');
}

/** One page of the log under the filter, with the number of rows it matches in all. */
export async function auditPage(
  services: AuditServices, store: StaffStore, filter: AuditFilter, view: { page: number; pageSize: number; lang: Lang; timeZone: string },
): Promise<{ entries: AuditEntry[]; total: number }> {
  const builder = await filtered(services, store, filter, view.timeZone);
  if (!builder) return { entries: [], total: 0 };
  const [found, total] = await builder.skip((view.page - 1) * view.pageSize).take(view.pageSize).getManyAndCount();
  return { entries: await readable(services, store, found, view), total };
}

/** The CSV export takes at most this many rows (the newest under the filter). */
export const EXPORT_LIMIT = 10_000;

/** The rows of the CSV export (the newest EXPORT_LIMIT under the filter). */
export async function auditExport(
  services: AuditServices, store: StaffStore, filter: AuditFilter, view: { lang: Lang; timeZone: string },
): Promise<AuditEntry[]> {
  const builder = await filtered(services, store, filter, view.timeZone);
  if (!builder) return [];
  return readable(services, store, await builder.take(EXPORT_LIMIT).getMany(), view);
}

/** Detail items that name another staff member (four-eyes: who recorded and who confirmed an approval). */
const STAFF_DETAIL_KEYS = new Set(['requestedBy', 'confirmedBy']);

const YES_NO = { ja: ['はい', 'いいえ'], en: ['yes', 'no'] } as const;

/** The rows with names instead of ids where the console knows them: staff users, accounts, applications, catalogue entries. */
async function readable(services: AuditServices, store: StaffStore, found: AuditEventRow[], view: { lang: Lang; timeZone: string }): Promise<AuditEntry[]> {
  const { lang } = view;
  const staff = new Map<string, StaffUserRow>((await store.list()).map((s) => [s.id, s]));
  const accountIds = [...new Set(found.map((row) => row.accountId).filter((id): id is string => Boolean(id)))];
  const accounts = new Map<string, AccountRow>();
  for (let i = 0; i < accountIds.length; i += 500) {
    const batch = await services.database.dataSource.getRepository(services.database.entities.Account).findBy({ id: In(accountIds.slice(i, i + 500)) });
    for (const account of batch) accounts.set(account.id, account);
  }
  const applicationIds = [...new Set(found.map((row) => row.detail?.applicationId).filter((id): id is string => typeof id === 'string' && isId(id)))];
  const applicants = new Map<string, string>();
  for (let i = 0; i < applicationIds.length; i += 500) {
    const batch = await services.database.dataSource.getRepository(services.database.entities.Application).find({
      where: { id: In(applicationIds.slice(i, i + 500)) }, select: { id: true, form: true, email: true },
    });
    for (const application of batch) applicants.set(application.id, application.form?.name_kanji || application.email);
  }

  const entryIds = [...new Set(found.filter((row) => row.event === 'catalogue.changed').map((row) => row.detail?.entryId).filter((id): id is string => typeof id === 'string' && isId(id)))];
  const entries = new Map<string, string>();
  if (entryIds.length) {
    const batch = await services.database.dataSource.getRepository(services.database.entities.CatalogueEntry).findBy({ id: In(entryIds.slice(0, 500)) });
    for (const entry of batch) entries.set(entry.id, `${entry.university} ${entry.faculty} ${entry.department}`);
  }

  const staffShown = (id: unknown): Shown | undefined => {
    if (typeof id !== 'string') return undefined;
    const member = staff.get(id);
    return member ? { label: `${member.displayName} (${member.loginId})` } : { label: id };
  };
  const accountShown = (id: string): Shown => {
    const account = accounts.get(id);
    return { label: account ? displayNameOf(account) || account.email || account.directoryId || id : id, href: `/admin/accounts/${id}` };
  };
  const applicationShown = (id: string): Shown => ({ label: applicants.get(id) ?? id, href: `/admin/applications/${id}` });

  return found.map((row) => {
    const detail = row.detail ?? {};
    const actor = staffShown(detail.staffId) ?? (row.accountId ? accountShown(row.accountId) : undefined);
    const subject = detail.targetStaffId ? staffShown(detail.targetStaffId)
      : row.accountId && detail.staffId ? accountShown(row.accountId)
        : typeof detail.applicationId === 'string' && isId(detail.applicationId) ? applicationShown(detail.applicationId) : undefined;
    const details = Object.entries(detail)
      .filter(([key, value]) => value !== undefined && value !== null && key !== 'staffId' && key !== 'targetStaffId')
      .map(([key, value]) => {
        if (key === 'applicationId' && typeof value === 'string' && isId(value)) return { name: detailName(key, lang), ...(({ label, href }) => ({ value: label, href }))(applicationShown(value)) };
        if (key === 'entryId' && typeof value === 'string' && entries.has(value)) return { name: detailName(key, lang), value: entries.get(value)! };
        if (STAFF_DETAIL_KEYS.has(key) && typeof value === 'string') return { name: detailName(key, lang), value: staffShown(value)!.label };
        return { name: detailName(key, lang), value: typeof value === 'boolean' ? YES_NO[lang][value ? 0 : 1] : String(value) };
      });
    return {
      id: row.id,
      when: formatDateTime(row.occurredAt, view.timeZone),
      event: row.event,
      eventName: auditEventName(row.event, lang),
      actor,
      subject,
      ip: row.ip ?? '',
      details,
      raw: row.detail ? JSON.stringify(row.detail) : '',
    };
  });
}
