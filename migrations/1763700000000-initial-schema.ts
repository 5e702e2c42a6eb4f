import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';
import { columnTypes, dialectOf } from '../src/db/dialect.js';

/** The foundation schema: provider storage, accounts, one-time URLs, mail outbox, throttling, audit. */
export class InitialSchema1763700000000 implements MigrationInterface {
  name = 'InitialSchema1763700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(dialectOf(queryRunner.connection.options.type));
    const datetime = (name: string, nullable = false): TableColumnOptions => ({
      name, type: t.datetime as string, precision: t.datetimePrecision, isNullable: nullable,
    });
    const varchar = (name: string, length: number, options: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
      name, type: 'varchar', length: String(length), ...options,
    });
    const binary = { collation: t.binaryCollation };

    await queryRunner.createTable(new Table({
      name: 'oidc_payload',
      columns: [
        varchar('model', 40, { isPrimary: true }),
        varchar('id', 190, { isPrimary: true, ...binary }),
        { name: 'payload', type: t.jsonStorage },
        varchar('grant_id', 190, { isNullable: true, ...binary }),
        varchar('user_code', 190, { isNullable: true, ...binary }),
        varchar('uid', 190, { isNullable: true, ...binary }),
        varchar('account_id', 64, { isNullable: true }),
        datetime('expires_at', true),
        datetime('consumed_at', true),
      ],
      indices: [
        new TableIndex({ name: 'idx_oidc_payload_grant', columnNames: ['model', 'grant_id'] }),
        new TableIndex({ name: 'idx_oidc_payload_uid', columnNames: ['model', 'uid'] }),
        new TableIndex({ name: 'idx_oidc_payload_user_code', columnNames: ['model', 'user_code'] }),
        new TableIndex({ name: 'idx_oidc_payload_account', columnNames: ['model', 'account_id'] }),
        new TableIndex({ name: 'idx_oidc_payload_expires', columnNames: ['expires_at'] }),
      ],
    }));

    await queryRunner.createTable(new Table({
      name: 'accounts',
      columns: [
        varchar('id', 36, { isPrimary: true }),
        varchar('user_type', 16),
        varchar('directory_id', 190, { isNullable: true }),
        varchar('email', 254, { isNullable: true }),
        { name: 'email_verified', type: 'boolean', default: false },
        varchar('second_password_hash', 255, { isNullable: true }),
        { name: 'profile', type: t.jsonStorage, isNullable: true },
        varchar('locale', 8, { default: "'ja'" }),
        datetime('created_at'),
        datetime('updated_at'),
      ],
      indices: [
        new TableIndex({ name: 'uq_accounts_directory', columnNames: ['user_type', 'directory_id'], isUnique: true }),
        new TableIndex({ name: 'uq_accounts_email', columnNames: ['email'], isUnique: true }),
      ],
    }));

    await queryRunner.createTable(new Table({
      name: 'one_time_tokens',
      columns: [
        varchar('id', 36, { isPrimary: true }),
        varchar('token_hash', 64),
        varchar('purpose', 40),
        varchar('account_id', 36),
        { name: 'payload', type: t.jsonStorage, isNullable: true },
        datetime('expires_at'),
        datetime('used_at', true),
        datetime('created_at'),
      ],
      indices: [
        new TableIndex({ name: 'uq_one_time_tokens_hash', columnNames: ['token_hash'], isUnique: true }),
        new TableIndex({ name: 'idx_one_time_tokens_account', columnNames: ['account_id', 'created_at'] }),
        new TableIndex({ name: 'idx_one_time_tokens_expires', columnNames: ['expires_at'] }),
      ],
    }));

    await queryRunner.createTable(new Table({
      name: 'mail_outbox',
      columns: [
        varchar('id', 36, { isPrimary: true }),
        varchar('recipient', 254),
        varchar('subject', 255),
        { name: 'body_text', type: t.text as string },
        varchar('status', 16),
        { name: 'attempts', type: 'int', default: 0 },
        datetime('next_attempt_at'),
        datetime('locked_until', true),
        varchar('last_error', 500, { isNullable: true }),
        datetime('created_at'),
        datetime('sent_at', true),
      ],
      indices: [new TableIndex({ name: 'idx_mail_outbox_due', columnNames: ['status', 'next_attempt_at'] })],
    }));

    await queryRunner.createTable(new Table({
      name: 'login_throttle',
      columns: [
        varchar('key', 128, { isPrimary: true }),
        { name: 'failures', type: 'int', default: 0 },
        datetime('window_started_at'),
        datetime('locked_until', true),
      ],
    }));

    await queryRunner.createTable(new Table({
      name: 'audit_events',
      columns: [
        varchar('id', 36, { isPrimary: true }),
        datetime('occurred_at'),
        varchar('event', 64),
        varchar('account_id', 36, { isNullable: true }),
        varchar('ip', 64, { isNullable: true }),
        { name: 'detail', type: t.jsonStorage, isNullable: true },
      ],
      indices: [
        new TableIndex({ name: 'idx_audit_events_time', columnNames: ['occurred_at'] }),
        new TableIndex({ name: 'idx_audit_events_account', columnNames: ['account_id', 'occurred_at'] }),
      ],
    }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['audit_events', 'login_throttle', 'mail_outbox', 'one_time_tokens', 'accounts', 'oidc_payload']) {
      await queryRunner.dropTable(table);
    }
  }
}
