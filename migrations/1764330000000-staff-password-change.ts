import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A staff user whose password an administrator reset must choose their own at the next sign-in: the
 * console opens nothing but パスワード変更 until then. (Their password history lives in
 * password_history with kind 'staff_password'; that table needs no change.)
 */
export class StaffPasswordChange1764330000000 implements MigrationInterface {
  name = 'StaffPasswordChange1764330000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('staff_users', new TableColumn({ name: 'password_change_required', type: 'boolean', default: false }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('staff_users', 'password_change_required');
  }
}
