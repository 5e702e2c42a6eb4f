import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, dialectOf } from '../src/db/dialect.js';

/**
 * SAML assertions already accepted (the SHA-256 of the IdP's entityID and the assertion's ID), kept
 * until the assertion expires, so that a replayed response is refused by every replica.
 */
export class SamlAssertionsSeen1764300000000 implements MigrationInterface {
  name = 'SamlAssertionsSeen1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(dialectOf(queryRunner.connection.options.type));
    await queryRunner.createTable(new Table({
      name: 'saml_assertions_seen',
      columns: [
        { name: 'id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'expires_at', type: t.datetime as string, precision: t.datetimePrecision },
      ],
      indices: [new TableIndex({ name: 'idx_saml_assertions_seen_expires', columnNames: ['expires_at'] })],
    }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('saml_assertions_seen');
  }
}
