import type { Database } from '../db/data-source.js';

export interface Readiness { ready: boolean; reason?: 'shutting-down' | 'database' | 'migrations' }

const CHECK_TIMEOUT_MS = 2000;
/** Probes and scrapers may call often; the answer is reused this long, and parallel calls share one check. */
const CACHE_MS = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('timed out')), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * /healthz: the process is alive (answers without touching anything). /readyz: the database answers
 * and every migration this code knows is applied; not ready either while shutting down, so that the
 * Service stops sending new requests before the listener closes.
 */
export class Health {
  private shuttingDown = false;
  private cached: { at: number; value: Readiness } | undefined;
  private pending: Promise<Readiness> | undefined;

  constructor(private readonly database: Database) {}

  beginShutdown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async readiness(): Promise<Readiness> {
    if (this.shuttingDown) return { ready: false, reason: 'shutting-down' };
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.value;
    this.pending ??= this.check().then((value) => {
      this.cached = { at: Date.now(), value };
      return value;
    }).finally(() => { this.pending = undefined; });
    return this.pending;
  }

  private async check(): Promise<Readiness> {
    const { dataSource } = this.database;
    if (!dataSource.isInitialized) return { ready: false, reason: 'database' };
    try {
      await withTimeout(dataSource.query('SELECT 1'), CHECK_TIMEOUT_MS);
    } catch {
      return { ready: false, reason: 'database' };
    }
    try {
      const table = dataSource.driver.escape(dataSource.options.migrationsTableName ?? 'migrations');
      const rows = await withTimeout(dataSource.query(`SELECT name FROM ${table}`) as Promise<Array<{ name: string }>>, CHECK_TIMEOUT_MS);
      const applied = new Set(rows.map((row) => row.name));
      const known = dataSource.migrations.map((m) => m.name ?? m.constructor.name);
      return known.every((name) => applied.has(name)) ? { ready: true } : { ready: false, reason: 'migrations' };
    } catch {
      return { ready: false, reason: 'migrations' };
    }
  }
}
