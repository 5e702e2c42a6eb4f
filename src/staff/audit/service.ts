import type { AuditEventRow } from '../../db/entities.js';
import type { Services } from '../../services.js';
import { formatDateTime } from '../format.js';
import type { StaffStore } from '../staff-store.js';

// The audit log as administrators read it: newest first, a page at a time, optionally one event only;
// staff ids in the details are shown with their login IDs.

export interface AuditEntry extends AuditEventRow { when: string; detailText: string }

export async function auditEntries(
  services: Pick<Services, 'database'>, store: StaffStore, query: { event: string; page: number; pageSize: number },
): Promise<{ entries: AuditEntry[]; more: boolean }> {
  const rows: AuditEventRow[] = await services.database.dataSource.getRepository(services.database.entities.AuditEvent).find({
    where: query.event ? { event: query.event } : {},
    order: { occurredAt: 'DESC', id: 'DESC' },
    take: query.pageSize + 1,
    skip: (query.page - 1) * query.pageSize,
  });
  const staffLogins = new Map((await store.list()).map((s) => [s.id, s.loginId]));
  const shown = (key: string, value: unknown) => ((key === 'staffId' || key === 'targetStaffId') && typeof value === 'string' && staffLogins.has(value)
    ? `${staffLogins.get(value)} (${value.slice(0, 8)})`
    : String(value));
  return {
    entries: rows.slice(0, query.pageSize).map((row) => ({
      ...row,
      when: formatDateTime(row.occurredAt),
      detailText: row.detail ? Object.entries(row.detail).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k}=${shown(k, v)}`).join(' ') : '',
    })),
    more: rows.length > query.pageSize,
  };
}
