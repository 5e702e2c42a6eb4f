import type { Repository } from 'typeorm';
import type { Database } from '../db/data-source.js';
import type { AuditDetail, AuditEventRow } from '../db/entities.js';
import { orderedId } from '../db/ordered-id.js';
import { rawQuery, utcDatetime } from '../db/raw-query.js';

export type AuditEvent =
  | 'login.success'
  | 'login.failure'
  | 'login.locked'
  | 'login.directory_unavailable'
  | 'email.registration_requested'
  | 'email.registered'
  | 'email.change_requested'
  | 'email.changed'
  | 'second_password.set'
  | 'second_password.changed'
  | 'second_password.change_failed'
  | 'second_password.reset_requested'
  | 'second_password.reset'
  | 'password.set'
  | 'password.changed'
  | 'password.change_failed'
  | 'password.reset_requested'
  | 'password.reset'
  | 'account.reauthenticated'
  | 'account.reauthentication_failed'
  | 'terms.accepted'
  | 'application.requested'
  | 'application.submitted'
  // G6 (src/graduates/self-service/personal-data/service.ts): detail.fields names the changed items, never their values.
  | 'personal_data.changed'
  | 'personal_data.change_requested'
  | 'application.resubmitted'
  // Staff console (src/staff): the acting staff user's id is in detail.staffId.
  | 'application.approved'
  // Four-eyes (graduates.review.fourEyes): a 変更 approval waiting for a second staff member, or withdrawn.
  | 'application.approval_requested'
  | 'application.approval_withdrawn'
  | 'application.rejected'
  | 'application.resubmission_requested'
  | 'document.viewed'
  | 'account.locked'
  | 'account.unlocked'
  | 'account.sessions_ended'
  | 'initial_password.issued'
  | 'catalogue.changed'
  | 'staff.login'
  | 'staff.login_failed'
  | 'staff.logout'
  | 'staff.created'
  | 'staff.disabled'
  | 'staff.enabled'
  | 'staff.totp_enrolled'
  | 'staff.totp_reset'
  | 'staff.password_changed'
  | 'staff.password_change_failed'
  | 'staff.password_reset'
  | 'audit.exported'
  | 'logout';

/** The security audit trail. `detail` never holds secrets; personal data only where the event needs it. */
export class AuditLog {
  private readonly rows: Repository<AuditEventRow>;

  constructor(private readonly database: Database) {
    this.rows = database.dataSource.getRepository(database.entities.AuditEvent);
  }

  /**
   * One plain statement (src/db/raw-query.ts), as the repository would write it: every login writes
   * one or two of these, and TypeORM's query building cost more than the insert's round trip.
   * `detail` is stored as the JSON text both the json (MySQL) and simple-json (SQLite) columns hold.
   */
  async record(event: AuditEvent, options: { accountId?: string | null; ip?: string | null; detail?: AuditDetail } = {}): Promise<void> {
    await rawQuery(this.database, 'INSERT INTO audit_events (id, occurred_at, event, account_id, ip, detail) VALUES (?, ?, ?, ?, ?, ?)', [
      orderedId(),
      utcDatetime(Date.now()),
      event,
      options.accountId ?? null,
      options.ip ?? null,
      options.detail ? JSON.stringify(options.detail) : null,
    ]);
  }

  list(accountId?: string): Promise<AuditEventRow[]> {
    return this.rows.find({ where: accountId ? { accountId } : {}, order: { occurredAt: 'ASC', id: 'ASC' } });
  }
}
