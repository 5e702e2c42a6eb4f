import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, dialectOf } from '../src/db/dialect.js';

/**
 * Staff enrolment links: a staff user's first TOTP enrolment (and the one after a reset) needs a
 * one-time link that create-staff or an administrator hands out. The table keeps the SHA-256 of the
 * link's 256-bit token (null once used) and when it stops working.
 */
export class StaffEnrolmentLink1764100000000 implements MigrationInterface {
  name = 'StaffEnrolmentLink1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(dialectOf(queryRunner.connection.options.type));
    await queryRunner.addColumns('staff_users', [
      new TableColumn({ name: 'enrolment_token_hash', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'enrolment_expires_at', type: t.datetime as string, precision: t.datetimePrecision, isNullable: true }),
    ]);
    await queryRunner.createIndex('staff_users', new TableIndex({ name: 'uq_staff_users_enrolment_token', columnNames: ['enrolment_token_hash'], isUnique: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('staff_users', 'uq_staff_users_enrolment_token');
    await queryRunner.dropColumns('staff_users', ['enrolment_expires_at', 'enrolment_token_hash']);
  }
}
