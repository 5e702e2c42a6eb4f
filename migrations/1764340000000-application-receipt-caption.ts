import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * 申請受付: the receipt number an applicant is shown and mailed at the first submission (unique, kept
 * through resubmissions); 本人確認書類: the caption the applicant chose for each image (表面, 裏面, …).
 */
export class ApplicationReceiptCaption1764340000000 implements MigrationInterface {
  name = 'ApplicationReceiptCaption1764340000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('applications', new TableColumn({ name: 'receipt_number', type: 'varchar', length: '20', isNullable: true }));
    await queryRunner.createIndex('applications', new TableIndex({ name: 'ux_applications_receipt_number', columnNames: ['receipt_number'], isUnique: true }));
    await queryRunner.addColumn('application_documents', new TableColumn({ name: 'caption', type: 'varchar', length: '16', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('application_documents', 'caption');
    await queryRunner.dropIndex('applications', 'ux_applications_receipt_number');
    await queryRunner.dropColumn('applications', 'receipt_number');
  }
}
