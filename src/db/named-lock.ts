import type { DataSource, QueryRunner } from 'typeorm';

// A lock held across every replica for a short piece of work that must not run twice at once (the
// migrations at start-up; approving a student number for an account). MySQL/MariaDB: the server's
// named lock (GET_LOCK), held on a connection of its own and released by the server if that
// connection dies, so a crashed holder blocks no one. The embedded SQLite (sql.js) belongs to a single
// process: a queue in memory, where a holder waits its turn without a limit (the holders are short).

export interface NamedLockOptions {
  /** How long to wait for another holder before giving up with NamedLockTimeout. */
  waitSeconds: number;
  /** The wait is asked for in rounds of this length (default: all at once), each one reported (`onWait`). */
  roundSeconds?: number;
  /** Called when another holder has the lock, before each wait round. */
  onWait?: () => void;
}

/** Another holder kept the lock for longer than the wait allowed. */
export class NamedLockTimeout extends Error {
  override name = 'NamedLockTimeout';
}

/** The in-process queues of the embedded database, by lock name: the last holder's turn. */
const turns = new WeakMap<DataSource, Map<string, Promise<unknown>>>();

/**
 * Runs `work` while this process holds the lock `prefix` (at most 32 characters; the lock is
 * server-wide, so the database's name is added, hashed). `work` gets the query runner whose connection
 * holds it (MySQL/MariaDB), or none (SQLite). Work that reads and writes in a transaction should start
 * it inside: the transaction then sees everything an earlier holder committed.
 */
export async function withNamedLock<T>(dataSource: DataSource, prefix: string, work: (runner?: QueryRunner) => Promise<T>, options: NamedLockOptions): Promise<T> {
  if (prefix.length > 32) throw new Error(`lock name too long: ${prefix}`);
  if (dataSource.options.type !== 'mysql' && dataSource.options.type !== 'mariadb') return inTurn(dataSource, prefix, () => work());
  const runner = dataSource.createQueryRunner();
  const name = 'CONCAT(?, MD5(DATABASE()))';
  try {
    const deadline = Date.now() + options.waitSeconds * 1000;
    const round = options.roundSeconds ?? options.waitSeconds;
    for (let attempt = 0; ; attempt += 1) {
      const seconds = attempt === 0 ? 0 : Math.max(0, Math.min(round, Math.ceil((deadline - Date.now()) / 1000)));
      const [row] = await runner.query(`SELECT GET_LOCK(${name}, ?) AS got`, [prefix, seconds]) as Array<{ got: number | string | null }>;
      if (Number(row?.got) === 1) break;
      if (row?.got === null || row?.got === undefined) throw new Error(`the lock ${prefix} could not be taken (GET_LOCK)`);
      if (Date.now() >= deadline) throw new NamedLockTimeout(`the lock ${prefix} was held by another process for over ${options.waitSeconds} s`);
      options.onWait?.();
    }
    try {
      return await work(runner);
    } finally {
      await runner.query(`SELECT RELEASE_LOCK(${name})`, [prefix]).catch(() => undefined);
    }
  } finally {
    await runner.release();
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
