import type { EntityManager } from 'typeorm';
import type { Database } from './data-source.js';
import { sqliteGateOf } from './sqlite-gate.js';

// Multi-row domain steps run in one transaction: all of it is saved, or none.
//
// MySQL/MariaDB: a transaction on its own pooled connection, isolated from other requests.
// The embedded SQLite (sql.js: the demo and tests) has a single connection: a transaction runs alone,
// with the statements of other requests waiting until it ends (src/db/sqlite-gate.ts).

/**
 * `on`: the manager of a connection the transaction must run on (one holding a named lock,
 * src/db/named-lock.ts) — on MySQL/MariaDB; the embedded SQLite has only one.
 */
export function runInTransaction<T>(database: Database, work: (manager: EntityManager) => Promise<T>, on?: EntityManager): Promise<T> {
  const run = () => (on && database.dialect === 'mysql' ? on : database.dataSource.manager).transaction((manager) => work(manager));
  const gate = sqliteGateOf(database.dataSource);
  return gate ? gate.exclusive(run) : run();
}
