import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, dialectOf } from '../src/db/dialect.js';

/**
 * The session a token is bound to (its payload's sessionUid) as a column, so that an access token
 * and its session are read in one statement (src/oidc/adapter.ts). Rows written before stay NULL and
 * are read as before.
 */
export class OidcPayloadSessionUid1764420000000 implements MigrationInterface {
  name = 'OidcPayloadSessionUid1764420000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(dialectOf(queryRunner.connection.options.type));
    await queryRunner.addColumn('oidc_payload', new TableColumn({
      name: 'session_uid', type: 'varchar', length: '190', isNullable: true, collation: t.binaryCollation,
    }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('oidc_payload', 'session_uid');
  }
}
