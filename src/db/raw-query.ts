import type { EntitySchema, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import type { Database } from './data-source.js';

type PoolCallback = (error: Error | null, rows: unknown) => void;
interface MysqlPool { query(sql: string, values: unknown[], callback: PoolCallback): unknown }

/**
 * One parameterised statement for the hot paths (the provider's storage, the login throttle). On
 * MySQL/MariaDB it goes straight to the pool of TypeORM's driver through mysql2's callback API:
 * `DataSource.query` would make a query runner per statement and go through mysql2's promise wrapper,
 * which captures a stack trace for every statement — together more of a login's CPU than the
 * statements' own round trips (measured with `npm run bench`). The same pool, connection options and
 * type conversions as TypeORM's, the primary only; errors are mysql2's own (`code`, `fatal`), which
 * src/ops/database-outage.ts reads as it reads the ones TypeORM wraps. On SQLite: DataSource.query
 * (which also saves the file after a write).
 */
export function rawQuery<T = unknown>(database: Database, sql: string, params: unknown[]): Promise<T> {
  const pool = database.dialect === 'mysql' ? (database.dataSource.driver as unknown as { pool?: MysqlPool }).pool : undefined;
  if (!pool) return database.dataSource.query(sql, params) as Promise<T>;
  return new Promise<T>((resolve, reject) => {
    pool.query(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T)));
  });
}

/**
 * A datetime column's value as TypeORM writes it: 'YYYY-MM-DD HH:MM:SS.SSS' in UTC. That is what
 * TypeORM's SQLite drivers store, and MySQL's datetime(3) takes it as is (the connection's time zone
 * is 'Z'), so rows written with rawQuery and through the entities compare and purge alike.
 */
export function utcDatetime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
}

/** A datetime column as read with rawQuery: mysql2 returns a Date (time zone 'Z'); sql.js the stored text, which is UTC. */
export function millis(value: Date | string): number {
  if (value instanceof Date) return value.getTime();
  const iso = value.includes('T') ? value : value.replace(' ', 'T');
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
}

/**
 * A lookup of one row by one or more columns (all equal) with rawQuery, hydrated as TypeORM's
 * repository would (the driver's own conversions of booleans, json and dates, from the entity's
 * metadata), without building the query anew for every call: for rows read on every request (the
 * account behind a token, the student signing in).
 */
export function rowLookup<T extends ObjectLiteral>(
  database: Database, target: EntitySchema<T>, ...propertyNames: Array<keyof T & string>
): (...values: unknown[]) => Promise<T | null> {
  let prepared: { sql: string; columns: ColumnMetadata[] } | undefined;
  return async (...values) => {
    const { dataSource } = database;
    if (!prepared) {
      const metadata = dataSource.getMetadata(target);
      const { driver } = dataSource;
      const where = propertyNames.map((propertyName) => {
        const column = metadata.findColumnWithPropertyName(propertyName);
        if (!column) throw new Error(`${metadata.name} has no column ${propertyName}`);
        return `${driver.escape(column.databaseName)} = ?`;
      });
      const columns = metadata.columns.filter((column) => !column.isVirtual);
      prepared = {
        sql: `SELECT ${columns.map((column) => driver.escape(column.databaseName)).join(', ')} FROM ${driver.escape(metadata.tableName)} `
          + `WHERE ${where.join(' AND ')} LIMIT 1`,
        columns,
      };
    }
    const rows = await rawQuery<Array<Record<string, unknown>>>(database, prepared.sql, values);
    const row = rows[0];
    if (!row) return null;
    const entity = {} as T;
    for (const column of prepared.columns) {
      const raw = row[column.databaseName];
      if (raw !== undefined) column.setEntityValue(entity, dataSource.driver.prepareHydratedValue(raw, column));
    }
    return entity;
  };
}
