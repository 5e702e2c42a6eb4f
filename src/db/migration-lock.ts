import { MigrationExecutor, type DataSource, type Migration, type QueryRunner } from 'typeorm';

// Replicas that start together on an unmigrated database (the server applies pending migrations at
// start), and the chart's migration Job, must not apply the same migration twice: MySQL/MariaDB hold a
// named lock (GET_LOCK) on one connection while migrating; the others wait for it, then find nothing
// left to do. The server releases the lock if that connection dies, so a crashed migrator blocks no one.
// The embedded SQLite (sql.js) belongs to a single process: no lock.

/** How long a process waits for another one's migrations before it gives up (the chart's Job deadline). */
const LOCK_WAIT_SECONDS = 600;
/** The wait is asked for in rounds of this length, each one reported (`onWait`). */
const LOCK_ROUND_SECONDS = 5;

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
  if (dataSource.options.type !== 'mysql' && dataSource.options.type !== 'mariadb') return work();
  const runner = dataSource.createQueryRunner();
  // The lock is server-wide: its name is that of this database (hashed: names are at most 64 characters).
  const name = "CONCAT('cert-idp:migrations:', MD5(DATABASE()))";
  try {
    const deadline = Date.now() + (options.waitSeconds ?? LOCK_WAIT_SECONDS) * 1000;
    for (let round = 0; ; round += 1) {
      const seconds = round === 0 ? 0 : LOCK_ROUND_SECONDS;
      const [row] = await runner.query(`SELECT GET_LOCK(${name}, ?) AS got`, [seconds]) as Array<{ got: number | string | null }>;
      if (Number(row?.got) === 1) break;
      if (row?.got === null || row?.got === undefined) throw new Error('the migration lock could not be taken (GET_LOCK)');
      if (Date.now() >= deadline) throw new Error(`another process has been migrating the database for over ${options.waitSeconds ?? LOCK_WAIT_SECONDS} s (migration lock held)`);
      options.onWait?.();
    }
    try {
      return await work(runner);
    } finally {
      await runner.query(`SELECT RELEASE_LOCK(${name})`).catch(() => undefined);
    }
  } finally {
    await runner.release();
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
