import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { createEntities, type Entities } from './entities.js';
import type { Dialect } from './dialect.js';
import { gateSqlite } from './sqlite-gate.js';

export interface Database {
  dataSource: DataSource;
  entities: Entities;
  dialect: Dialect;
}

export interface DatabaseOptions {
  /** mysql:// or mariadb:// URL; absent = the embedded SQLite (sql.js). */
  url?: string;
  /** Where sql.js keeps its file; absent = in memory only (tests). */
  sqliteFile?: string;
}

export function createDataSource(options: DatabaseOptions): Database {
  const dialect: Dialect = options.url ? 'mysql' : 'sqlite';
  const entities = createEntities(dialect);
  const common = { entities: Object.values(entities), migrations, synchronize: false, logging: false } as const;
  let dataSource: DataSource;
  if (options.url) {
    dataSource = new DataSource({
      ...common,
      type: options.url.startsWith('mariadb:') ? 'mariadb' : 'mysql',
      url: options.url.replace(/^mariadb:/, 'mysql:'),
      timezone: 'Z',
      charset: 'utf8mb4_unicode_ci',
      poolSize: 10,
      // Fail fast when the database is unreachable instead of hanging a request.
      connectTimeout: 5000,
      // mysql2 keeps the prepared statements of a connection in an LRU whose arrays it allocates in
      // full at the connection's start: 16,000 entries by default, half a MiB per connection, 5 MiB
      // for the pool. The hot statements (src/db/raw-query.ts) are a few dozen.
      extra: { maxPreparedStatements: 256 },
    });
  } else {
    if (options.sqliteFile) mkdirSync(path.dirname(options.sqliteFile), { recursive: true });
    dataSource = new DataSource({
      ...common,
      type: 'sqljs',
      location: options.sqliteFile,
      autoSave: Boolean(options.sqliteFile),
    });
    gateSqlite(dataSource);
  }
  return { dataSource, entities, dialect };
}
