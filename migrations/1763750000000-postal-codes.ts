import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, dialectOf } from '../src/db/dialect.js';

/** 郵便番号検索: Japan Post's postal codes, imported by `npm run import-postal-codes`. */
export class PostalCodes1763750000000 implements MigrationInterface {
  name = 'PostalCodes1763750000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(dialectOf(queryRunner.connection.options.type));
    await queryRunner.createTable(new Table({
      name: 'postal_codes',
      columns: [
        { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        { name: 'code', type: t.char as string, length: '7' },
        { name: 'prefecture', type: 'varchar', length: '10' },
        { name: 'city', type: 'varchar', length: '60' },
        { name: 'town', type: 'varchar', length: '200' },
      ],
      indices: [new TableIndex({ name: 'idx_postal_codes_code', columnNames: ['code'] })],
    }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('postal_codes');
  }
}
