import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Staff TOTP replay protection: the last RFC 6238 time step a staff user signed in with. A code is
 * accepted only for a later step, so a code seen once (shoulder-surfed, phished) cannot be used again.
 */
export class StaffTotp1763900000000 implements MigrationInterface {
  name = 'StaffTotp1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('staff_users', new TableColumn({ name: 'totp_last_step', type: 'int', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('staff_users', 'totp_last_step');
  }
}
