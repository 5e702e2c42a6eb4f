import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';
import { columnTypes, dialectOf } from '../src/db/dialect.js';

/**
 * Password history: the argon2 hashes of an account's last passwords and second passwords, so that a
 * new one cannot repeat any of the last `passwordPolicy.historySize` (default 5) of its kind.
 */
export class PasswordHistory1764000000000 implements MigrationInterface {
  name = 'PasswordHistory1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(dialectOf(queryRunner.connection.options.type));
    const varchar = (name: string, length: number, options: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
      name, type: 'varchar', length: String(length), ...options,
    });
    await queryRunner.createTable(new Table({
      name: 'password_history',
      columns: [
        varchar('id', 36, { isPrimary: true }),
        varchar('account_id', 36),
        varchar('kind', 16),
        varchar('hash', 255),
        { name: 'created_at', type: t.datetime as string, precision: t.datetimePrecision },
      ],
      indices: [new TableIndex({ name: 'idx_password_history_account', columnNames: ['account_id', 'kind', 'created_at'] })],
    }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('password_history');
  }
}
