import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, dialectOf } from '../src/db/dialect.js';

/**
 * The back-channel logouts the relying parties still have to be told of (src/oidc/sign-ins.ts), so
 * that one a relying party could not take at once is sent again later, by any replica.
 */
export class BackchannelLogouts1764430000000 implements MigrationInterface {
  name = 'BackchannelLogouts1764430000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(dialectOf(queryRunner.connection.options.type));
    const datetime = { type: t.datetime as string, precision: t.datetimePrecision };
    await queryRunner.createTable(new Table({
      name: 'backchannel_logouts',
      columns: [
        { name: 'id', type: 'varchar', length: '36', isPrimary: true },
        { name: 'client_id', type: 'varchar', length: '255' },
        { name: 'account_id', type: 'varchar', length: '255' },
        { name: 'sid', type: 'varchar', length: '255', isNullable: true },
        { name: 'attempts', type: 'int', default: 0 },
        { name: 'next_attempt_at', ...datetime },
        { name: 'locked_until', ...datetime, isNullable: true },
        { name: 'created_at', ...datetime },
      ],
      indices: [new TableIndex({ name: 'idx_backchannel_logouts_due', columnNames: ['next_attempt_at'] })],
    }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('backchannel_logouts');
  }
}
