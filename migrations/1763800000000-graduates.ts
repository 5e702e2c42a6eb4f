import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';
import { columnTypes, dialectOf } from '../src/db/dialect.js';

/** Graduates: passwords on accounts, applications with documents and history, staff, the catalogue. */
export class Graduates1763800000000 implements MigrationInterface {
  name = 'Graduates1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(dialectOf(queryRunner.connection.options.type));
    const datetime = (name: string, nullable = false): TableColumnOptions => ({
      name, type: t.datetime as string, precision: t.datetimePrecision, isNullable: nullable,
    });
    const varchar = (name: string, length: number, options: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
      name, type: 'varchar', length: String(length), ...options,
    });
    const json = (name: string): TableColumnOptions => ({ name, type: t.jsonStorage, isNullable: true });
    const text = (name: string): TableColumnOptions => ({ name, type: t.text as string, isNullable: true });

    await queryRunner.addColumns('accounts', [
      new TableColumn(varchar('password_hash', 255, { isNullable: true })),
      new TableColumn({ name: 'password_is_initial', type: 'boolean', default: false }),
      new TableColumn(datetime('password_expires_at', true)),
      new TableColumn(varchar('terms_version', 32, { isNullable: true })),
      new TableColumn(datetime('terms_accepted_at', true)),
      new TableColumn(json('personal')),
      new TableColumn({ name: 'locked', type: 'boolean', default: false }),
    ]);

    await queryRunner.createTable(new Table({
      name: 'applications',
      columns: [
        varchar('id', 36, { isPrimary: true }),
        varchar('purpose', 16),
        varchar('kind', 16),
        varchar('status', 32),
        varchar('email', 254),
        varchar('lang', 8),
        json('form'),
        varchar('terms_version', 32, { isNullable: true }),
        datetime('terms_accepted_at', true),
        varchar('account_id', 36, { isNullable: true }),
        varchar('access_key_hash', 64, { isNullable: true }),
        datetime('access_expires_at', true),
        text('staff_comment'),
        varchar('decided_by', 36, { isNullable: true }),
        datetime('decided_at', true),
        datetime('submitted_at', true),
        datetime('documents_purged_at', true),
        datetime('created_at'),
        datetime('updated_at'),
      ],
      indices: [
        new TableIndex({ name: 'idx_applications_queue', columnNames: ['status', 'submitted_at'] }),
        new TableIndex({ name: 'idx_applications_email', columnNames: ['email'] }),
        new TableIndex({ name: 'uq_applications_access', columnNames: ['access_key_hash'], isUnique: true }),
        new TableIndex({ name: 'idx_applications_account', columnNames: ['account_id'] }),
      ],
    }));

    await queryRunner.createTable(new Table({
      name: 'application_documents',
      columns: [
        varchar('id', 36, { isPrimary: true }),
        varchar('application_id', 36),
        varchar('document_type', 64),
        varchar('content_type', 32),
        { name: 'byte_size', type: 'int' },
        { name: 'position', type: 'int' },
        { name: 'data', type: t.blob as string },
        datetime('created_at'),
      ],
      indices: [new TableIndex({ name: 'idx_application_documents_app', columnNames: ['application_id', 'position'] })],
    }));

    await queryRunner.createTable(new Table({
      name: 'application_events',
      columns: [
        varchar('id', 36, { isPrimary: true }),
        varchar('application_id', 36),
        datetime('occurred_at'),
        varchar('actor_type', 16),
        varchar('actor_id', 36, { isNullable: true }),
        varchar('action', 40),
        text('comment'),
      ],
      indices: [new TableIndex({ name: 'idx_application_events_app', columnNames: ['application_id', 'occurred_at'] })],
    }));

    await queryRunner.createTable(new Table({
      name: 'staff_users',
      columns: [
        varchar('id', 36, { isPrimary: true }),
        varchar('login_id', 64),
        varchar('display_name', 100),
        varchar('role', 16),
        varchar('password_hash', 255),
        varchar('totp_secret_sealed', 255, { isNullable: true }),
        { name: 'totp_enabled', type: 'boolean', default: false },
        { name: 'disabled', type: 'boolean', default: false },
        datetime('created_at'),
        datetime('updated_at'),
        datetime('last_login_at', true),
      ],
      indices: [new TableIndex({ name: 'uq_staff_users_login', columnNames: ['login_id'], isUnique: true })],
    }));

    await queryRunner.createTable(new Table({
      name: 'staff_sessions',
      columns: [
        varchar('id_hash', 64, { isPrimary: true }),
        varchar('staff_id', 36),
        { name: 'totp_verified', type: 'boolean', default: false },
        datetime('created_at'),
        datetime('last_seen_at'),
        datetime('expires_at'),
      ],
      indices: [new TableIndex({ name: 'idx_staff_sessions_staff', columnNames: ['staff_id'] })],
    }));

    await queryRunner.createTable(new Table({
      name: 'catalogue_entries',
      columns: [
        varchar('id', 36, { isPrimary: true }),
        varchar('university', 100),
        varchar('faculty', 100),
        varchar('department', 100),
        { name: 'active', type: 'boolean', default: true },
        { name: 'sort_order', type: 'int', default: 0 },
      ],
      indices: [new TableIndex({ name: 'uq_catalogue_entries', columnNames: ['university', 'faculty', 'department'], isUnique: true })],
    }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['catalogue_entries', 'staff_sessions', 'staff_users', 'application_events', 'application_documents', 'applications']) {
      await queryRunner.dropTable(table);
    }
    for (const column of ['locked', 'personal', 'terms_accepted_at', 'terms_version', 'password_expires_at', 'password_is_initial', 'password_hash']) {
      await queryRunner.dropColumn('accounts', column);
    }
  }
}
