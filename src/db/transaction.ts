import type { EntityManager } from 'typeorm';
import type { Database } from './data-source.js';

// Multi-row domain steps run in one transaction: all of it is saved, or none.
//
// MySQL/MariaDB: a transaction on its own pooled connection, isolated from other requests.
// The embedded SQLite (sql.js, the demo and tests) has a single connection: transactions are run one
// at a time (a second BEGIN on the same connection would fail), and statements of other requests that
// run meanwhile share that connection, so they are not isolated from it (README: "Transactions").

const sqliteQueues = new WeakMap<Database, Promise<unknown>>();

export function runInTransaction<T>(database: Database, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  const run = () => database.dataSource.transaction((manager) => work(manager));
  if (database.dialect !== 'sqlite') return run();
  const previous = sqliteQueues.get(database) ?? Promise.resolve();
  const result = previous.then(run, run);
  sqliteQueues.set(database, result.catch(() => undefined));
  return result;
}
