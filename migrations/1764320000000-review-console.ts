import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { reviewKeysOf } from '../src/applications/review-keys.js';
import { columnTypes, dialectOf } from '../src/db/dialect.js';

/**
 * The staff console's review (DESIGN §2.3):
 * - `applications.search_text`, `name_birth_key`, `student_number_key`: the queue's search over every
 *   application and the review page's duplicate hints (filled here for the applications already stored);
 * - `applications.pending_account_id`, `pending_by`, `pending_at`: a 変更 approval waiting for a
 *   second staff member (graduates.review.fourEyes);
 * - `application_views`: who opened which application when (the review page names the others).
 */
export class ReviewConsole1764320000000 implements MigrationInterface {
  name = 'ReviewConsole1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(dialectOf(queryRunner.connection.options.type));
    const datetime = { type: t.datetime as string, precision: t.datetimePrecision };
    await queryRunner.addColumns('applications', [
      new TableColumn({ name: 'search_text', type: t.text as string, isNullable: true }),
      new TableColumn({ name: 'name_birth_key', type: 'varchar', length: '300', isNullable: true }),
      new TableColumn({ name: 'student_number_key', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'pending_account_id', type: 'varchar', length: '36', isNullable: true }),
      new TableColumn({ name: 'pending_by', type: 'varchar', length: '36', isNullable: true }),
      new TableColumn({ name: 'pending_at', ...datetime, isNullable: true }),
    ]);
    await queryRunner.createIndex('applications', new TableIndex({ name: 'ix_applications_name_birth', columnNames: ['name_birth_key'] }));
    await queryRunner.createIndex('applications', new TableIndex({ name: 'ix_applications_student_number', columnNames: ['student_number_key'] }));
    await queryRunner.createTable(new Table({
      name: 'application_views',
      columns: [
        { name: 'application_id', type: 'varchar', length: '36', isPrimary: true },
        { name: 'staff_id', type: 'varchar', length: '36', isPrimary: true },
        { name: 'viewed_at', ...datetime },
      ],
    }));

    // Plain standard SQL (the entities already name the new columns by their properties).
    const rows = await queryRunner.query('SELECT id, email, form FROM applications') as Array<{ id: string; email: string; form: unknown }>;
    for (const row of rows) {
      const form = (typeof row.form === 'string' ? JSON.parse(row.form) : row.form) as Record<string, string> | null;
      const keys = reviewKeysOf(row.email, form);
      await queryRunner.query('UPDATE applications SET search_text = ?, name_birth_key = ?, student_number_key = ? WHERE id = ?', [keys.searchText, keys.nameBirthKey, keys.studentNumberKey, row.id]);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('application_views');
    await queryRunner.dropIndex('applications', 'ix_applications_student_number');
    await queryRunner.dropIndex('applications', 'ix_applications_name_birth');
    await queryRunner.dropColumns('applications', ['pending_at', 'pending_by', 'pending_account_id', 'student_number_key', 'name_birth_key', 'search_text']);
  }
}
