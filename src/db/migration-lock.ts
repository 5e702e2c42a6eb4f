import { MigrationExecutor, type DataSource, type Migration, type QueryRunner } from 'typeorm';
import { NamedLockTimeout, withNamedLock } from './named-lock.js';

// Replicas that start together on an unmigrated database (the server applies pending migrations at
// start), and the chart's migration Job, must not apply the same migration twice: the first takes the
// migration lock (src/db/named-lock.ts), the others wait for it, then find nothing left to do.

/** How long a process waits for another one's migrations before it gives up (the chart's Job deadline). */
const LOCK_WAIT_SECONDS = 600;
/** How often a waiting process asks again, each time reported (`onWait`). */
const LOCK_POLL_MS = 5000;
/** The lock's name (before the database's): the same in every release, so that old and new replicas exclude each other. */
const LOCK_PREFIX = 'cert-idp:migrations:';

export interface MigrationLockOptions {
  /** Called when another process holds the lock, before each wait round. */
  onWait?: () => void;
  waitSeconds?: number;
}

/**
 * Runs `work` while this process holds the database's migration lock. `work` gets the query runner
 * whose connection holds it (MySQL/MariaDB) — migrations run on it — or none (SQLite).
 */
export async function withMigrationLock<T>(dataSource: DataSource, work: (runner?: QueryRunner) => Promise<T>, options: MigrationLockOptions = {}): Promise<T> {
  const waitSeconds = options.waitSeconds ?? LOCK_WAIT_SECONDS;
  try {
    return await withNamedLock(dataSource, LOCK_PREFIX, ({ runner }) => work(runner), { waitSeconds, pollMs: LOCK_POLL_MS, onWait: options.onWait });
  } catch (error) {
    if (error instanceof NamedLockTimeout) throw new Error(`another process has been migrating the database for over ${waitSeconds} s (migration lock held)`);
    throw error;
  }
}

function executor(dataSource: DataSource, runner: QueryRunner | undefined): MigrationExecutor {
  const migrations = new MigrationExecutor(dataSource, runner);
  migrations.transaction = 'each';
  return migrations;
}

/** Applies the pending migrations (each in its own transaction), on `runner` when given; returns them. */
export function applyPendingMigrations(dataSource: DataSource, runner?: QueryRunner): Promise<Migration[]> {
  return executor(dataSource, runner).executePendingMigrations();
}

/** Undoes the last applied migration, on `runner` when given. */
export function revertLastMigration(dataSource: DataSource, runner?: QueryRunner): Promise<void> {
  return executor(dataSource, runner).undoLastMigration();
}
