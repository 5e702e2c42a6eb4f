import type { Database } from '../../src/db/data-source.js';

/**
 * The statements matching `watched` sent while `run` runs: on MySQL/MariaDB through the driver's pool
 * (the hot paths' rawQuery and TypeORM alike), on SQLite through DataSource.query.
 */
export async function statementsDuring(database: Database, run: () => Promise<void>, watched = /\b(oidc_payload|accounts)\b/): Promise<string[]> {
  const seen: string[] = [];
  const watch = (sql: unknown) => {
    if (typeof sql === 'string' && watched.test(sql)) seen.push(sql);
  };
  const pool = (database.dataSource.driver as unknown as { pool?: Record<'query' | 'execute', (...args: unknown[]) => unknown> }).pool;
  if (pool) {
    const { query, execute } = pool;
    pool.query = function (this: unknown, ...args: unknown[]) { watch(args[0]); return query.apply(this, args); };
    pool.execute = function (this: unknown, ...args: unknown[]) { watch(args[0]); return execute.apply(this, args); };
    try { await run(); } finally { Object.assign(pool, { query, execute }); }
  } else {
    const { dataSource } = database;
    const query = dataSource.query;
    dataSource.query = function (this: unknown, ...args: unknown[]) { watch(args[0]); return query.apply(this, args as never); } as typeof query;
    try { await run(); } finally { dataSource.query = query; }
  }
  return seen;
}
