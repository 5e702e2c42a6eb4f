import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The mailed key an applicant last used (the landing page's button): its SHA-256 is kept beside the
 * current key's, so that opening the used URL again says "already used" (410), not "unknown" (400).
 */
export class ApplicationUsedKey1764210000000 implements MigrationInterface {
  name = 'ApplicationUsedKey1764210000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('applications', new TableColumn({ name: 'used_access_key_hash', type: 'varchar', length: '64', isNullable: true }));
    await queryRunner.createIndex('applications', new TableIndex({ name: 'ix_applications_used_access', columnNames: ['used_access_key_hash'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('applications', 'ix_applications_used_access');
    await queryRunner.dropColumn('applications', 'used_access_key_hash');
  }
}
