import type { ColumnType, DataSourceOptions } from 'typeorm';

export type Dialect = 'mysql' | 'sqlite';

export function dialectOf(type: DataSourceOptions['type']): Dialect {
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  if (type === 'sqljs' || type === 'better-sqlite3') return 'sqlite';
  throw new Error(`unsupported database type ${type}`);
}

/**
 * Column types that differ between MySQL/MariaDB and SQLite. Entities and migrations both take
 * them from here, so the schema the migrations build is the schema the entities expect.
 */
export function columnTypes(dialect: Dialect) {
  const mysql = dialect === 'mysql';
  return {
    // TypeORM's simple-json is TEXT (64 KiB) on MySQL; real JSON has no such ceiling.
    json: (mysql ? 'json' : 'simple-json') as ColumnType,
    /** The SQL type a migration creates for a json column (simple-json is stored as text). */
    jsonStorage: mysql ? 'json' : 'text',
    datetime: 'datetime' as ColumnType,
    datetimePrecision: mysql ? 3 : undefined,
    // oidc-provider ids are case-sensitive; MySQL's default collations are not.
    binaryCollation: mysql ? 'utf8mb4_bin' : undefined,
    text: (mysql ? 'mediumtext' : 'text') as ColumnType,
    /** Fixed-length strings such as postal codes (TypeORM's SQLite driver spells it "character"). */
    char: (mysql ? 'char' : 'character') as ColumnType,
    /** Encrypted identity-document images (up to a few MB each). */
    blob: (mysql ? 'longblob' : 'blob') as ColumnType,
  };
}
