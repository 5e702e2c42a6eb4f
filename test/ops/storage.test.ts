import { expect } from 'chai';
import { MailOutbox } from '../../src/mail/outbox.js';
import { retryDelaySeconds } from '../../src/ops/polling-loop.js';
import { smtpTransport } from '../../src/mail/transport.js';
import { TypeOrmAdapter, purgeExpiredPayloads } from '../../src/oidc/adapter.js';
import { OneTimeTokens, hashToken } from '../../src/tokens/one-time-tokens.js';
import { LoginThrottle, throttleKey } from '../../src/security/throttle.js';
import { DATABASES, freshDatabase } from '../support/harness.js';
import { MailCatcher } from '../support/smtp.js';
import { statementsDuring } from '../support/statements.js';
import type { Database } from '../../src/db/data-source.js';
import { AccountStore } from '../../src/accounts/account-store.js';

for (const db of DATABASES) {
  describe(`storage (${db.name})`, () => {
    let database: Database;
    before(async () => {
      database = await freshDatabase(db);
    });
    after(async () => { await database?.dataSource.destroy(); });

    it('applies every migration to an empty database and reverts them all', async () => {
      const { dataSource } = database;
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      expect(applied.length).to.be.greaterThan(0);
      for (const table of ['oidc_payload', 'accounts', 'one_time_tokens', 'mail_outbox', 'login_throttle', 'audit_events']) {
        expect(await dataSource.createQueryRunner().hasTable(table), table).to.equal(true);
      }
      for (let i = 0; i < applied.length; i += 1) await dataSource.undoLastMigration({ transaction: 'each' });
      for (const table of ['oidc_payload', 'accounts', 'mail_outbox']) {
        expect(await dataSource.createQueryRunner().hasTable(table), table).to.equal(false);
      }
      await dataSource.runMigrations({ transaction: 'each' });
    });

    it('an account read by id (a prepared statement of its own) is the row the repository reads, field by field', async () => {
      const store = new AccountStore(database);
      const rows = database.dataSource.getRepository(database.entities.Account);
      const id = '6f1f3c2e-0000-4000-8000-00000000a001';
      await rows.insert({
        id, userType: 'graduate', directoryId: null, email: 'lookup@example.ac.jp', emailVerified: true, secondPasswordHash: '$argon2id$x',
        profile: { name: { family: '検索', given: '太郎' }, enrollments: [{ studentNumber: '1', status: 'graduated' }] } as never, locale: 'en',
        createdAt: new Date('2026-01-02T03:04:05.678Z'), updatedAt: new Date('2026-01-03T00:00:00.001Z'), passwordHash: '$argon2id$y', passwordIsInitial: true,
        passwordExpiresAt: new Date('2026-02-01T00:00:00.000Z'), termsVersion: 'v"1\\', termsAcceptedAt: new Date('2026-01-04T23:59:59.999Z'),
        // Text that JSON must escape, and more than one level of nesting, survive the JSON object.
        personal: { address: '大阪市北区 "梅田" 1-1\\2\n😀', phone: null, list: [1, true, { a: 'b' }] } as never, locked: false,
      });
      const expected = await rows.findOneByOrFail({ id });
      const found = await store.findById(id);
      expect(found).to.deep.equal(expected);
      expect(found!.emailVerified).to.equal(true);
      expect(found!.locked).to.equal(false);
      expect(found!.createdAt).to.be.instanceOf(Date);
      expect(found!.createdAt.toISOString()).to.equal('2026-01-02T03:04:05.678Z');
      expect(found!.termsAcceptedAt!.toISOString()).to.equal('2026-01-04T23:59:59.999Z');
      expect(found!.personal).to.deep.equal({ address: '大阪市北区 "梅田" 1-1\\2\n😀', phone: null, list: [1, true, { a: 'b' }] });
      expect(await store.findById('6f1f3c2e-0000-4000-8000-00000000a002')).to.equal(null);

      // A student by directory ID (read at every student login): the same, and only a student's row.
      const studentId = '6f1f3c2e-0000-4000-8000-00000000a003';
      await rows.insert({
        id: studentId, userType: 'student', directoryId: 's0042', email: null, emailVerified: false, secondPasswordHash: null,
        profile: { name: { family: '学生', given: '花子' }, enrollments: [] } as never, locale: 'ja',
        createdAt: new Date('2026-01-02T03:04:05.678Z'), updatedAt: new Date('2026-01-02T03:04:05.678Z'),
      });
      await rows.insert({
        id: '6f1f3c2e-0000-4000-8000-00000000a004', userType: 'graduate', directoryId: 's0043', email: 'g43@example.ac.jp', emailVerified: true,
        secondPasswordHash: null, profile: null, locale: 'ja', createdAt: new Date(), updatedAt: new Date(),
      });
      expect(await store.findStudentByDirectoryId('s0042')).to.deep.equal(await rows.findOneByOrFail({ id: studentId }));
      expect(await store.findStudentByDirectoryId('s0043')).to.equal(null);
      expect(await store.findStudentByDirectoryId('s0044')).to.equal(null);
    });

    it('provider adapter: case-sensitive ids, lookups by uid and userCode, durable consume, grant revocation scoped to its model, purge', async () => {
      const codes = new TypeOrmAdapter('AuthorizationCode', database);
      const interactions = new TypeOrmAdapter('Interaction', database);
      const sessions = new TypeOrmAdapter('Session', database);
      await codes.upsert('AbC', { grantId: 'g1', kind: 'AuthorizationCode' } as never, 60);
      await codes.upsert('abc', { grantId: 'g2', kind: 'AuthorizationCode' } as never, 60);
      expect((await codes.find('AbC'))?.grantId).to.equal('g1');
      expect((await codes.find('abc'))?.grantId).to.equal('g2');
      await sessions.upsert('s1', { uid: 'Uid1', accountId: 'acc' } as never, 60);
      expect((await sessions.findByUid('Uid1'))?.accountId).to.equal('acc');
      expect(await sessions.findByUid('uid1')).to.equal(undefined);
      const devices = new TypeOrmAdapter('DeviceCode', database);
      await devices.upsert('d1', { userCode: 'WXYZ-1234' } as never, 60);
      expect(await devices.findByUserCode('WXYZ-1234')).to.not.equal(undefined);

      await codes.consume('AbC');
      expect((await codes.find('AbC'))?.consumed).to.be.a('number');
      await interactions.upsert('i1', { grantId: 'g1' } as never, 60);
      await codes.revokeByGrantId('g1');
      expect(await codes.find('AbC')).to.equal(undefined);
      expect(await interactions.find('i1'), 'an Interaction with the same grantId survives').to.not.equal(undefined);

      await codes.upsert('old', { grantId: 'g3' } as never, 1);
      const later = new Date(Date.now() + 5000);
      expect(await purgeExpiredPayloads(database, later)).to.be.greaterThan(0);
      expect(await codes.find('old')).to.equal(undefined);
    });

    it('one-time tokens: hashed at rest, single use, purpose-bound, expiring, superseded by a newer one', async () => {
      const tokens = new OneTimeTokens(database, 30);
      const token = await tokens.issue('register_email', 'acc-1', { email: 'a@example.ac.jp' });
      expect(token.length).to.be.greaterThanOrEqual(43); // 256 bits
      const rows = await database.dataSource.getRepository(database.entities.OneTimeToken).findBy({ accountId: 'acc-1' });
      expect(rows[0]!.tokenHash).to.equal(hashToken(token)).and.not.contain(token);
      expect((await tokens.check('reset_second_password', token)).status).to.equal('unknown');
      expect((await tokens.consume('register_email', token)).status).to.equal('valid');
      expect((await tokens.consume('register_email', token)).status).to.equal('used');
      const racing = await tokens.issue('register_email', 'acc-2');
      const results = await Promise.all([tokens.consume('register_email', racing), tokens.consume('register_email', racing)]);
      expect(results.filter((r) => r.status === 'valid')).to.have.length(1);
      const first = await tokens.issue('change_email', 'acc-3');
      const second = await tokens.issue('change_email', 'acc-3');
      expect((await tokens.check('change_email', first)).status).to.equal('used');
      expect((await tokens.check('change_email', second)).status).to.equal('valid');
      const expiring = new OneTimeTokens(database, 1);
      const soon = await expiring.issue('register_email', 'acc-4');
      await database.dataSource.getRepository(database.entities.OneTimeToken).update({ tokenHash: hashToken(soon) }, { expiresAt: new Date(Date.now() - 1000) });
      expect((await expiring.consume('register_email', soon)).status).to.equal('expired');
    });

    it('one-time tokens sent at once (a double click, two tabs): the hourly limit holds exactly and only one link works', async () => {
      const tokens = new OneTimeTokens(database, 30);
      const issued = await Promise.all(Array.from({ length: 8 }, () => tokens.issueWithinLimit('reset_password', 'acc-burst', { lang: 'ja' }, 5)));
      const links = issued.filter((token): token is string => token !== undefined);
      expect(links, 'issued within the limit of 5').to.have.length(5);
      const statuses = await Promise.all(links.map(async (token) => (await tokens.check('reset_password', token)).status));
      expect(statuses.filter((status) => status === 'valid'), 'links that still work').to.have.length(1);
      // A link issued outside the lock (as before it existed) is ended by the use of another.
      const rows = database.dataSource.getRepository(database.entities.OneTimeToken);
      const open = links[statuses.indexOf('valid')]!;
      const stale = links.find((token) => token !== open)!;
      await rows.update({ tokenHash: hashToken(stale) }, { usedAt: null });
      expect((await tokens.consume('reset_password', open)).status).to.equal('valid');
      expect((await tokens.check('reset_password', stale)).status, 'the other link after a use').to.equal('used');
    });

    it('throttle: locks after the limit within the window, per key, and a reset clears it', async () => {
      const throttle = new LoginThrottle(database);
      const rule = { maxFailures: 3, windowMinutes: 15, lockMinutes: 15 };
      const key = throttleKey('account', 'student:someone', rule);
      const other = throttleKey('account', 'student:other', rule);
      expect(await throttle.recordFailure([key])).to.have.length(0);
      expect(await throttle.recordFailure([key])).to.have.length(0);
      expect(await throttle.recordFailure([key])).to.have.length(1);
      expect(await throttle.lockedKeys([key, other])).to.deep.equal([key]);
      expect(await throttle.lockedKeys([key], new Date(Date.now() + 16 * 60_000))).to.have.length(0);
      await throttle.reset(key);
      expect(await throttle.lockedKeys([key])).to.have.length(0);
      expect(key.key).to.not.contain('someone');
    });

    it('throttle: the housekeeping purge removes old rows, locked or not, and keeps a lock that still holds', async () => {
      const throttle = new LoginThrottle(database);
      const rows = database.dataSource.getRepository(database.entities.LoginThrottle);
      const day = 86400_000;
      const now = Date.now();
      await rows.insert([
        { key: 'purge-never-locked', failures: 1, windowStartedAt: new Date(now - 2 * day), lockedUntil: null },
        { key: 'purge-lock-ran-out', failures: 5, windowStartedAt: new Date(now - 2 * day), lockedUntil: new Date(now - 2 * day + 900_000) },
        { key: 'keep-still-locked', failures: 5, windowStartedAt: new Date(now - 2 * day), lockedUntil: new Date(now + day) },
        { key: 'keep-recent', failures: 1, windowStartedAt: new Date(now - 60_000), lockedUntil: null },
      ]);
      await throttle.purgeStale(new Date(now - day));
      const left = (await rows.find()).map((row) => row.key).filter((key) => /^(purge|keep)-/.test(key)).sort();
      expect(left).to.deep.equal(['keep-recent', 'keep-still-locked']);
    });

    it('throttle: admit counts each attempt once per key before the check, parallel attempts never find more room than the limit, a passed window or a run-out lock starts over', async () => {
      const throttle = new LoginThrottle(database);
      const rows = database.dataSource.getRepository(database.entities.LoginThrottle);
      const rule = { maxFailures: 3, windowMinutes: 15, lockMinutes: 30 };
      const account = throttleKey('account', 'student:counted', rule);
      const ip = throttleKey('ip', '192.0.2.77', { ...rule, maxFailures: 100 });
      const failures = async (key: typeof account) => (await rows.findOneBy({ key: key.key }))?.failures;

      expect(await throttle.admit([account, ip])).to.deep.equal([]);
      expect(await failures(account)).to.equal(1);
      expect(await failures(ip)).to.equal(1);
      // A success: the account's key goes, the address's count goes back down.
      await throttle.reset(account);
      await throttle.release(ip);
      expect(await failures(account)).to.equal(undefined);
      expect(await failures(ip)).to.equal(0);
      await throttle.release(ip);
      expect(await failures(ip)).to.equal(0);

      // Eight attempts at once: exactly three are let through, and all eight are counted.
      const answers = await Promise.all(Array.from({ length: 8 }, () => throttle.admit([account, ip])));
      expect(answers.filter((refused) => refused.length === 0)).to.have.length(3);
      expect(answers.filter((refused) => refused.length === 1 && refused[0]!.key === account.key)).to.have.length(5);
      expect(await failures(account)).to.equal(8);
      expect(await failures(ip)).to.equal(8);

      // Locked: refused without a count on either key.
      expect(await throttle.lockExhausted([account])).to.deep.equal([account]);
      expect(await throttle.admit([account, ip])).to.deep.equal([account]);
      expect(await failures(account)).to.equal(8);
      expect(await failures(ip)).to.equal(8);

      // The lock has run out (its window too): the next attempt starts a new window, unlocked.
      const later = new Date(Date.now() + 31 * 60_000);
      expect(await throttle.admit([account], later)).to.deep.equal([]);
      const restarted = await rows.findOneByOrFail({ key: account.key });
      expect(restarted.failures).to.equal(1);
      expect(restarted.lockedUntil).to.equal(null);
      expect(Math.abs(restarted.windowStartedAt.getTime() - later.getTime())).to.be.lessThan(1000);
      // Within that window the count goes on; once it has passed, it starts over.
      expect(await throttle.admit([account], new Date(later.getTime() + 60_000))).to.deep.equal([]);
      expect(await failures(account)).to.equal(2);
      expect(await throttle.admit([account], new Date(later.getTime() + 16 * 60_000))).to.deep.equal([]);
      expect(await failures(account)).to.equal(1);

      // recordFailure counts the same way and locks at the limit.
      const other = throttleKey('account', 'student:recorded', rule);
      expect(await throttle.recordFailure([other])).to.deep.equal([]);
      expect(await throttle.recordFailure([other])).to.deep.equal([]);
      expect(await throttle.recordFailure([other])).to.deep.equal([other]);
      expect(await throttle.stateOf(other)).to.include({ failures: 3 });
    });

    it('throttle: a locked key refuses until its lock ends though its window has passed, in one statement per key, and the attempt counts against no key', async () => {
      const throttle = new LoginThrottle(database);
      const rows = database.dataSource.getRepository(database.entities.LoginThrottle);
      const rule = { maxFailures: 2, windowMinutes: 15, lockMinutes: 60 };
      const account = throttleKey('account', 'student:locked-long', rule);
      // The address's window is still live at every attempt below: its row is left exactly as it was.
      const ip = throttleKey('ip', '192.0.2.78', { ...rule, maxFailures: 100, windowMinutes: 120 });
      const fresh = throttleKey('ip', '192.0.2.79', { ...rule, maxFailures: 100 });
      const start = new Date();
      expect(await throttle.recordFailure([account], start)).to.deep.equal([]);
      expect(await throttle.recordFailure([account], start)).to.deep.equal([account]);
      expect(await throttle.admit([ip], start)).to.deep.equal([]);
      const lockedRow = await rows.findOneByOrFail({ key: account.key });
      const ipRow = await rows.findOneByOrFail({ key: ip.key });

      // 16 and 59 minutes on: the window has passed, the lock holds. Refused, and nothing changes.
      for (const minutes of [16, 59]) {
        const at = new Date(start.getTime() + minutes * 60_000);
        const statements = await statementsDuring(database, async () => {
          expect(await throttle.admit([account, ip], at)).to.deep.equal([account]);
        }, /login_throttle/);
        expect(statements.filter((sql) => /^SELECT/i.test(sql)), 'no read of its own').to.have.length(0);
        expect(await rows.findOneByOrFail({ key: account.key })).to.deep.equal(lockedRow);
        expect(await rows.findOneByOrFail({ key: ip.key }), 'the address\'s count was taken back').to.deep.equal(ipRow);
        expect(await throttle.stateOf(account, at)).to.deep.equal({ failures: 2, lockedUntil: lockedRow.lockedUntil! });
      }

      // An address without a row: refused with the locked account, it counts nothing — its next attempt starts a new window.
      const at = new Date(start.getTime() + 20 * 60_000);
      expect(await throttle.admit([account, fresh], at)).to.deep.equal([account]);
      expect(await throttle.stateOf(fresh, at)).to.deep.equal({ failures: 0 });
      const next = new Date(at.getTime() + 10 * 60_000);
      expect(await throttle.admit([fresh], next)).to.deep.equal([]);
      const started = await rows.findOneByOrFail({ key: fresh.key });
      expect(started.failures).to.equal(1);
      expect(Math.abs(started.windowStartedAt.getTime() - next.getTime())).to.be.lessThan(1000);

      // Once the lock has run out, a new window.
      expect(await throttle.admit([account], new Date(start.getTime() + 61 * 60_000))).to.deep.equal([]);
      expect((await rows.findOneByOrFail({ key: account.key })).failures).to.equal(1);
    });

    it('throttle: a success resets the account key and gives back the address\'s count in one statement; every reader then takes the account key as new', async () => {
      const throttle = new LoginThrottle(database);
      const rows = database.dataSource.getRepository(database.entities.LoginThrottle);
      const rule = { maxFailures: 3, windowMinutes: 15, lockMinutes: 15 };
      const account = throttleKey('account', 'student:succeeded', rule);
      const ip = throttleKey('ip', '192.0.2.80', { ...rule, maxFailures: 100 });
      const start = new Date(Date.now() - 14 * 60_000);
      expect(await throttle.recordFailure([account, ip], start)).to.deep.equal([]);
      expect(await throttle.admit([account, ip])).to.deep.equal([]);
      expect((await rows.findOneByOrFail({ key: account.key })).failures).to.equal(2);
      expect((await rows.findOneByOrFail({ key: ip.key })).failures).to.equal(2);

      const statements = await statementsDuring(database, () => throttle.succeeded(account, ip), /login_throttle/);
      expect(statements).to.have.length(1);
      expect((await rows.findOneByOrFail({ key: ip.key })).failures, 'the address keeps its earlier failure').to.equal(1);
      expect(await throttle.stateOf(account)).to.deep.equal({ failures: 0 });
      expect(await throttle.lockedKeys([account])).to.deep.equal([]);
      expect(await throttle.lockExhausted([account])).to.deep.equal([]);
      // The next attempt starts its own window (not the one begun 14 minutes ago), as on a new row.
      const now = new Date();
      expect(await throttle.admit([account], now)).to.deep.equal([]);
      const restarted = await rows.findOneByOrFail({ key: account.key });
      expect(restarted.failures).to.equal(1);
      expect(Math.abs(restarted.windowStartedAt.getTime() - now.getTime())).to.be.lessThan(1000);

      // A locked account key is unlocked by a success, as reset() does; an address at 0 stays at 0.
      await throttle.recordFailure([account]);
      expect(await throttle.recordFailure([account])).to.deep.equal([account]);
      await throttle.succeeded(account, ip);
      await throttle.succeeded(account, ip);
      expect(await throttle.lockedKeys([account])).to.deep.equal([]);
      expect(await throttle.stateOf(account)).to.deep.equal({ failures: 0 });
      expect((await rows.findOneByOrFail({ key: ip.key })).failures).to.equal(0);
      // A key the success finds no row for gets none.
      const unseen = throttleKey('account', 'student:unseen', rule);
      await throttle.succeeded(unseen, throttleKey('ip', '192.0.2.81', rule));
      expect(await rows.countBy({ key: unseen.key })).to.equal(0);
      // The housekeeping purge removes a reset row like any other that counts nothing.
      await throttle.purgeStale(new Date(Date.now() - 86400_000));
      await throttle.succeeded(account, ip);
      await throttle.purgeStale(new Date(Date.now() - 86400_000));
      expect(await rows.countBy({ key: account.key })).to.equal(0);
    });

    // sql.js prepares nothing across calls: MariaDB only.
    if (db.name === 'mariadb') it('prepared statements: a connection keeps at most 256 and closes the oldest on the server (mysql2 would keep 16,000, half a MiB of cache per connection)', async () => {
      type Connection = { execute(sql: string, values: unknown[], callback: (error: Error | null) => void): void; query(sql: string, callback: (error: Error | null, rows: unknown) => void): void; release(): void };
      const pool = (database.dataSource.driver as unknown as { pool: { getConnection(callback: (error: Error | null, connection: Connection) => void): void } }).pool;
      const connection = await new Promise<Connection>((resolve, reject) => { pool.getConnection((error, c) => (error ? reject(error) : resolve(c))); });
      const closed = () => new Promise<number>((resolve, reject) => {
        connection.query("SHOW SESSION STATUS LIKE 'Com_stmt_close'", (error, rows) => (error ? reject(error) : resolve(Number((rows as Array<{ Value: string }>)[0]!.Value))));
      });
      const execute = (sql: string) => new Promise<void>((resolve, reject) => { connection.execute(sql, [1], (error) => (error ? reject(error) : resolve())); });
      try {
        // 256 statements of different text fill the connection's cache (whatever it held before goes).
        for (let i = 0; i < 256; i += 1) await execute(`SELECT ? + ${i} AS filled`);
        const before = await closed();
        await execute('SELECT ? + 255 AS filled'); // already prepared: nothing is given back
        // 44 more: the 44 oldest are given back to the server as the newest come.
        for (let i = 0; i < 44; i += 1) await execute(`SELECT ? + ${i} AS added`);
        expect(await closed() - before).to.equal(44);
      } finally {
        connection.release();
      }
    });

    it('mail outbox: an SMTP outage delays mail and loses none; a sent body is erased; a mail is sent once', async () => {
      const smtp = new MailCatcher();
      await smtp.start();
      try {
        const outbox = new MailOutbox(database, smtpTransport(smtp.url), { from: 'no-reply@example.ac.jp', maxAttempts: 5, pollSeconds: 60 });
        smtp.refuse = true;
        await outbox.enqueue({ to: 'student@example.ac.jp', subject: '件名', text: '本文 https://example.test/x' });
        expect(await outbox.processDue()).to.equal(0);
        const repo = database.dataSource.getRepository(database.entities.MailOutbox);
        const failed = await repo.findOneByOrFail({ recipient: 'student@example.ac.jp' });
        expect(failed.status).to.equal('pending');
        expect(failed.attempts).to.equal(1);
        expect(failed.lastError).to.not.contain('student@example.ac.jp');
        smtp.refuse = false;
        // Not due yet: nothing is sent before the retry time.
        expect(await outbox.processDue()).to.equal(0);
        const later = new Date(Date.now() + retryDelaySeconds(1) * 1000 + 1000);
        const [a, b] = await Promise.all([outbox.processDue(later), outbox.processDue(later)]);
        expect(a + b).to.equal(1);
        const mail = await smtp.waitFor('student@example.ac.jp');
        expect(mail.subject).to.equal('件名');
        expect(mail.text).to.contain('本文');
        const sent = await repo.findOneByOrFail({ id: failed.id });
        expect(sent.status).to.equal('sent');
        expect(sent.bodyText).to.equal('');
        await outbox.stop();
      } finally {
        await smtp.stop();
      }
    });
  });
}

describe('retry schedule', () => {
  it('backs off from 30 s and caps at one hour', () => {
    expect([1, 2, 3, 4].map(retryDelaySeconds)).to.deep.equal([30, 60, 120, 240]);
    expect(retryDelaySeconds(20)).to.equal(3600);
  });
});
