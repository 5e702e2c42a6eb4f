import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Isolation for the embedded SQLite (sql.js). It has one connection, shared by every request: a
 * statement another request runs while a transaction is open would become part of it (and be undone
 * by its rollback). The gate makes a transaction exclusive: it starts once the statements under way
 * have finished, and until it ends, statements of other requests wait; its own statements (those of
 * its async context) pass. MySQL/MariaDB need none of this: each transaction has its own connection.
 */
export class SqliteGate {
  private readonly context = new AsyncLocalStorage<symbol>();
  private holder: symbol | undefined;
  private running = 0;
  private waiters: Array<() => void> = [];

  /** Runs `work` alone: no other request's statement runs until it has finished. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.holder && this.context.getStore() === this.holder) return work();
    while (this.holder || this.running > 0) await this.wait();
    const token = Symbol('transaction');
    this.holder = token;
    try {
      return await this.context.run(token, work);
    } finally {
      this.holder = undefined;
      this.wake();
    }
  }

  /** Runs one statement, after any transaction of another request has ended. */
  async statement<T>(run: () => Promise<T>): Promise<T> {
    if (this.holder && this.context.getStore() === this.holder) return run();
    while (this.holder) await this.wait();
    this.running += 1;
    try {
      return await run();
    } finally {
      this.running -= 1;
      if (this.running === 0) this.wake();
    }
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const resolve of waiting) resolve();
  }
}

const gates = new WeakMap<DataSource, SqliteGate>();

/** Puts every statement of this (sql.js) data source through a gate; returns the gate. */
export function gateSqlite(dataSource: DataSource): SqliteGate {
  const gate = new SqliteGate();
  const driver = dataSource.driver as { createQueryRunner(mode: 'master' | 'slave'): QueryRunner };
  const createQueryRunner = driver.createQueryRunner.bind(driver);
  const gated = new WeakSet<QueryRunner>();
  driver.createQueryRunner = (mode) => {
    // sql.js has a single query runner; it is wrapped once.
    const runner = createQueryRunner(mode);
    if (!gated.has(runner)) {
      const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
      runner.query = ((...args: unknown[]) => gate.statement(() => query(...args))) as QueryRunner['query'];
      gated.add(runner);
    }
    return runner;
  };
  gates.set(dataSource, gate);
  return gate;
}

export function sqliteGateOf(dataSource: DataSource): SqliteGate | undefined {
  return gates.get(dataSource);
}
