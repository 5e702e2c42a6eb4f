import type { EntitySchema, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import type { Database } from './data-source.js';

type PoolCallback = (error: Error | null, rows: unknown) => void;
interface MysqlPool { execute(sql: string, values: unknown[], callback: PoolCallback): unknown }

/**
 * One parameterised statement for the hot paths (the provider's storage, the login throttle). On
 * MySQL/MariaDB it goes straight to the pool of TypeORM's driver through mysql2's callback API:
 * `DataSource.query` would make a query runner per statement and go through mysql2's promise wrapper,
 * which captures a stack trace for every statement — together more of a login's CPU than the
 * statements' own round trips (measured with `npm run bench`). As a prepared statement (mysql2 keeps
 * one per connection and SQL text): the server parses and plans a statement such as the token's
 * four-table read once per connection, not at every request (a quarter less CPU per userinfo request
 * in the server and in MariaDB, `npm run bench`), and no SQL text is built. The same pool, connection options and
 * type conversions as TypeORM's, the primary only; errors are mysql2's own (`code`, `fatal`), which
 * src/ops/database-outage.ts reads as it reads the ones TypeORM wraps. On SQLite: DataSource.query
 * (which also saves the file after a write).
 */
export function rawQuery<T = unknown>(database: Database, sql: string, params: unknown[]): Promise<T> {
  const pool = database.dialect === 'mysql' ? (database.dataSource.driver as unknown as { pool?: MysqlPool }).pool : undefined;
  if (!pool) return database.dataSource.query(sql, params) as Promise<T>;
  return new Promise<T>((resolve, reject) => {
    pool.execute(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T)));
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
 * An entity's columns read with rawQuery, hydrated as TypeORM's repository would (the driver's own
 * conversions of booleans, json and dates, from the entity's metadata). `select(alias, prefix)` lists
 * the columns of table `alias` as `prefix` + column name, so that they can be read beside another
 * table's in one statement; `hydrate(row, prefix)` makes the entity of them (null when the row has
 * none, e.g. the empty side of a LEFT JOIN). Prepared on first use: the metadata exists once the data
 * source is initialised.
 */
export interface EntityColumns<T> {
  readonly table: string;
  /** The primary column's name, escaped. */
  readonly key: string;
  select(alias: string, prefix: string): string;
  hydrate(row: Record<string, unknown>, prefix: string): T | null;
  escape(name: string): string;
}

export function entityColumns<T extends ObjectLiteral>(database: Database, target: EntitySchema<T>): EntityColumns<T> {
  let prepared: { table: string; columns: ColumnMetadata[]; primary: ColumnMetadata } | undefined;
  const prepare = () => {
    if (!prepared) {
      const metadata = database.dataSource.getMetadata(target);
      const primary = metadata.primaryColumns[0];
      if (!primary) throw new Error(`${metadata.name} has no primary column`);
      prepared = { table: metadata.tableName, columns: metadata.columns.filter((column) => !column.isVirtual), primary };
    }
    return prepared;
  };
  const escape = (name: string) => database.dataSource.driver.escape(name);
  return {
    get table() { return prepare().table; },
    get key() { return escape(prepare().primary.databaseName); },
    escape,
    select(alias, prefix) {
      return prepare().columns.map((column) => `${alias}.${escape(column.databaseName)} AS ${escape(prefix + column.databaseName)}`).join(', ');
    },
    hydrate(row, prefix) {
      const { columns, primary } = prepare();
      const { driver } = database.dataSource;
      const key = row[prefix + primary.databaseName];
      if (key === null || key === undefined) return null;
      const entity = {} as T;
      for (const column of columns) {
        const raw = row[prefix + column.databaseName];
        if (raw !== undefined) column.setEntityValue(entity, driver.prepareHydratedValue(raw, column));
      }
      return entity;
    },
  };
}

/**
 * A lookup of one row by one or more columns (all equal) with rawQuery, without building the query
 * anew for every call: for rows read on every request (the account behind a token, the student
 * signing in).
 */
export function rowLookup<T extends ObjectLiteral>(
  database: Database, target: EntitySchema<T>, ...propertyNames: Array<keyof T & string>
): (...values: unknown[]) => Promise<T | null> {
  const columns = entityColumns(database, target);
  let sql: string | undefined;
  return async (...values) => {
    if (!sql) {
      const metadata = database.dataSource.getMetadata(target);
      const where = propertyNames.map((propertyName) => {
        const column = metadata.findColumnWithPropertyName(propertyName);
        if (!column) throw new Error(`${metadata.name} has no column ${propertyName}`);
        return `t.${columns.escape(column.databaseName)} = ?`;
      });
      sql = `SELECT ${columns.select('t', '')} FROM ${columns.escape(columns.table)} t WHERE ${where.join(' AND ')} LIMIT 1`;
    }
    const rows = await rawQuery<Array<Record<string, unknown>>>(database, sql, values);
    return rows[0] ? columns.hydrate(rows[0], '') : null;
  };
}
