import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { Database } from '../../src/db/data-source.js';
import { runInTransaction } from '../../src/db/transaction.js';
import { DATABASES, freshDatabase } from '../support/harness.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const db of DATABASES) {
  describe(`transactions are isolated from other requests (${db.name})`, () => {
    let database: Database;
    let audit: AuditLog;

    before(async () => {
      database = await freshDatabase(db);
      await database.dataSource.runMigrations();
      audit = new AuditLog(database);
    });
    after(async () => { await database?.dataSource.destroy(); });

    /** An audit row written through the transaction's manager. */
    const insideTransaction = (manager: EntityManager, event: string) => manager.getRepository(database.entities.AuditEvent)
      .insert({ id: randomUUID(), occurredAt: new Date(), event, accountId: null, ip: null, detail: null });
    const events = async () => (await database.dataSource.getRepository(database.entities.AuditEvent).find()).map((row) => row.event).sort();

    it('a rolled-back transaction takes nothing of another request with it; a committed one keeps both', async () => {
      const failing = runInTransaction(database, async (manager) => {
        await insideTransaction(manager, 'login.success');
        await tick(50);
        throw new Error('the step failed half-way');
      });
      // Another request writes while the transaction is open (the embedded SQLite has one connection).
      await tick(10);
      const meanwhile = audit.record('login.failure', { detail: { in: 'another request' } });
      await Promise.all([failing.catch(() => undefined), meanwhile]);
      expect(await events()).to.deep.equal(['login.failure']);

      const committed = runInTransaction(database, async (manager) => {
        await insideTransaction(manager, 'logout');
        await tick(50);
      });
      await tick(10);
      await Promise.all([committed, audit.record('login.locked', {})]);
      expect(await events()).to.deep.equal(['login.failure', 'login.locked', 'logout']);
    });

    it('a transaction inside a transaction of the same request does not wait for itself', async () => {
      const inner = await runInTransaction(database, () => runInTransaction(database, async (manager) => {
        await insideTransaction(manager, 'account.locked');
        return 'done';
      }));
      expect(inner).to.equal('done');
      expect(await events()).to.include('account.locked');
    });
  });
}
