import { expect } from 'chai';
import type { Database } from '../../src/db/data-source.js';
import { NamedLockTimeout, withNamedLock } from '../../src/db/named-lock.js';
import { DATABASES, freshDatabase } from '../support/harness.js';

// The lock that keeps two replicas from doing the same short piece of work at once (the migrations;
// approving one student number for two accounts: test/graduates/self-service.test.ts).

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What `promise` was rejected with (fails when it was fulfilled). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

for (const db of DATABASES) {
  describe(`named lock (${db.name})`, function () {
    this.timeout(30_000);
    let database: Database;
    before(async () => {
      database = await freshDatabase(db);
      await database.dataSource.runMigrations();
    });
    after(async () => { await database?.dataSource.destroy(); });

    it('holders of one name take turns, and a holder sees what the one before it committed; other names do not wait', async () => {
      const events: string[] = [];
      const { dataSource } = database;
      const holder = (name: string, label: string) => withNamedLock(dataSource, name, async ({ manager }) => {
        events.push(`${label} in`);
        const seen = await manager.getRepository(database.entities.SamlAssertionSeen).countBy({ id: name });
        await wait(150);
        if (!seen) await manager.getRepository(database.entities.SamlAssertionSeen).insert({ id: name, expiresAt: new Date(Date.now() + 60_000) });
        events.push(`${label} out`);
        return seen;
      }, { waitSeconds: 10 });
      const [first, second, other] = await Promise.all([holder('cert-idp:test:a', 'a1'), holder('cert-idp:test:a', 'a2'), wait(30).then(() => holder('cert-idp:test:b', 'b'))]);
      expect(events.indexOf('a2 in'), events.join(', ')).to.be.greaterThan(events.indexOf('a1 out'));
      expect(events.indexOf('b in'), 'b runs while a1 holds a').to.be.lessThan(events.indexOf('a1 out'));
      // Each holder inserts its name's row unless it sees one: the second holder of "a" saw the first's.
      expect([first, second]).to.deep.equal([0, 1]);
      expect(other).to.equal(0);
    });

    it('more holders at once than the pool has connections, of one name and of many, all get their turn', async () => {
      const { dataSource } = database;
      const counter = dataSource.getRepository(database.entities.SamlAssertionSeen);
      await counter.insert({ id: 'named-lock-count', expiresAt: new Date(0) });
      // 25 of one name, each adding one second to a shared row (read, then write: lost without the lock).
      const bump = () => withNamedLock(dataSource, 'cert-idp:test:e', async ({ manager }) => {
        const rows = manager.getRepository(database.entities.SamlAssertionSeen);
        const row = await rows.findOneByOrFail({ id: 'named-lock-count' });
        await rows.update({ id: 'named-lock-count' }, { expiresAt: new Date(row.expiresAt.getTime() + 1000) });
      }, { waitSeconds: 20, pollMs: 5 });
      // And 25 of as many names, each holding its lock while it works (the pool has 10 connections).
      const apart = (i: number) => withNamedLock(dataSource, `cert-idp:test:f${i}`, async ({ manager }) => {
        await manager.query('SELECT 1');
        await wait(20);
        return i;
      }, { waitSeconds: 20 });
      const results = await Promise.all([...Array.from({ length: 25 }, bump), ...Array.from({ length: 25 }, (_, i) => apart(i))]);
      expect(results.slice(25)).to.deep.equal(Array.from({ length: 25 }, (_, i) => i));
      expect((await counter.findOneByOrFail({ id: 'named-lock-count' })).expiresAt.getTime()).to.equal(25_000);
    });

    it('a holder whose work fails releases the lock', async () => {
      const failing = withNamedLock(database.dataSource, 'cert-idp:test:c', async () => { throw new Error('work failed'); }, { waitSeconds: 5 });
      expect((await rejectionOf(failing)) as Error).to.have.property('message', 'work failed');
      expect(await withNamedLock(database.dataSource, 'cert-idp:test:c', async () => 'next', { waitSeconds: 1 })).to.equal('next');
    });

    if (db.name === 'mariadb') {
      it('another process\'s holder (a connection of its own) keeps it: the wait ends in NamedLockTimeout, and the lock is taken once it is free', async () => {
        let release!: () => void;
        const held = new Promise<void>((resolve) => { release = resolve; });
        let entered!: () => void;
        const inside = new Promise<void>((resolve) => { entered = resolve; });
        const holding = withNamedLock(database.dataSource, 'cert-idp:test:d', async () => { entered(); await held; }, { waitSeconds: 5 });
        await inside;
        let waits = 0;
        const refused = withNamedLock(database.dataSource, 'cert-idp:test:d', async () => 'never', { waitSeconds: 2, pollMs: 200, onWait: () => { waits += 1; } });
        expect(await rejectionOf(refused)).to.be.instanceOf(NamedLockTimeout);
        expect(waits, 'each attempt reported').to.be.at.least(5);
        release();
        await holding;
        expect(await withNamedLock(database.dataSource, 'cert-idp:test:d', async () => 'free', { waitSeconds: 1 })).to.equal('free');
      });
    }
  });
}
