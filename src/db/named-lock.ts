import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

// A lock held across every replica for a short piece of work that must not run twice at once (the
// migrations at start-up; issuing a one-time link for an account; approving a student number). MySQL/
// MariaDB: the server's named lock (GET_LOCK), held on a connection that the work then runs on, and
// released by the server if that connection dies, so a crashed holder blocks no one. A waiter asks
// again every `pollMs` and holds no connection in between: waiters never take the pool's connections
// from the holder or from anyone else. The embedded SQLite (sql.js) belongs to a single process: a
// queue in memory, where a holder waits its turn without a limit (the holders are short).

export interface NamedLockOptions {
  /** How long to wait for another holder before giving up with NamedLockTimeout. */
  waitSeconds: number;
  /** How often a waiter asks again (default 25 ms). */
  pollMs?: number;
  /** Called each time another holder has the lock, before waiting to ask again. */
  onWait?: () => void;
}

/** Another holder kept the lock for longer than the wait allowed. */
export class NamedLockTimeout extends Error {
  override name = 'NamedLockTimeout';
}

/**
 * What the work runs on: every statement of it must go through `manager` (on MySQL/MariaDB, the
 * connection that holds the lock: statements on another pooled connection would need a second one per
 * holder, and holders could then wait for each other's connections). `runner` is that connection's
 * query runner (none on SQLite).
 */
export interface LockScope { manager: EntityManager; runner?: QueryRunner }

/** The in-process queues of the embedded database, by lock name: the last holder's turn. */
const turns = new WeakMap<DataSource, Map<string, Promise<unknown>>>();

/**
 * Runs `work` while this process holds the lock `prefix` (at most 32 characters; the lock is
 * server-wide, so the database's name is added, hashed). Work that reads and writes in a transaction
 * should start it inside, on the scope's manager: it then sees everything an earlier holder committed.
 */
export async function withNamedLock<T>(dataSource: DataSource, prefix: string, work: (scope: LockScope) => Promise<T>, options: NamedLockOptions): Promise<T> {
  if (prefix.length > 32) throw new Error(`lock name too long: ${prefix}`);
  if (dataSource.options.type !== 'mysql' && dataSource.options.type !== 'mariadb') {
    return inTurn(dataSource, prefix, () => work({ manager: dataSource.manager }));
  }
  const name = 'CONCAT(?, MD5(DATABASE()))';
  const deadline = Date.now() + options.waitSeconds * 1000;
  for (;;) {
    const runner = dataSource.createQueryRunner();
    try {
      const [row] = await runner.query(`SELECT GET_LOCK(${name}, 0) AS got`, [prefix]) as Array<{ got: number | string | null }>;
      if (row?.got === null || row?.got === undefined) throw new Error(`the lock ${prefix} could not be taken (GET_LOCK)`);
      if (Number(row.got) === 1) {
        try {
          return await work({ manager: runner.manager, runner });
        } finally {
          await runner.query(`SELECT RELEASE_LOCK(${name})`, [prefix]).catch(() => undefined);
        }
      }
    } finally {
      await runner.release();
    }
    if (Date.now() >= deadline) throw new NamedLockTimeout(`the lock ${prefix} was held by another process for over ${options.waitSeconds} s`);
    options.onWait?.();
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 25));
  }
}

/** The embedded database: `work` runs after every earlier holder of `name` in this process has finished. */
async function inTurn<T>(dataSource: DataSource, name: string, work: () => Promise<T>): Promise<T> {
  let queues = turns.get(dataSource);
  if (!queues) turns.set(dataSource, queues = new Map());
  const before = queues.get(name) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(work);
  const settled = mine.catch(() => undefined);
  queues.set(name, settled);
  try {
    return await mine;
  } finally {
    if (queues.get(name) === settled) queues.delete(name);
  }
}
