// Health, readiness, metrics and request ids of one server (in this process, against each database),
// and readiness following the database as it goes away and comes back.
import { expect } from 'chai';
import os from 'node:os';
import { defaultMaxConcurrent, OWASP_PARAMETERS, PasswordHasher } from '../../src/credentials/hashing.js';
import { firstLogin, openLogin, submitLogin } from '../support/flows.js';
import { DATABASES, newBrowser, startTestServer, type TestServer } from '../support/harness.js';
import { metricValue } from '../support/metrics.js';
import { eventually, TcpGate } from './support.js';

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

for (const db of DATABASES) {
  describe(`operations: health, readiness, metrics (${db.name})`, function () {
    this.timeout(60_000);
    let server: TestServer;

    before(async () => {
      server = await startTestServer(db);
    });
    after(async () => {
      await server?.stop();
    });

    it('/healthz and /readyz answer cheaply: JSON, no cookie, no cache, a request id', async () => {
      const health = await get(`${server.url}/healthz`);
      expect(health.status).to.equal(200);
      expect(JSON.parse(health.text)).to.deep.equal({ status: 'ok' });
      expect(health.headers.get('set-cookie')).to.equal(null);
      expect(health.headers.get('cache-control')).to.equal('no-store');
      expect(health.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
      const ready = await get(`${server.url}/readyz`, { 'x-request-id': 'ingress-0123456789abcdef' });
      expect(ready.status).to.equal(200);
      expect(JSON.parse(ready.text)).to.deep.equal({ status: 'ready' });
      expect(ready.headers.get('x-request-id'), 'an ingress request id is kept').to.equal('ingress-0123456789abcdef');
      const forged = await get(`${server.url}/healthz`, { 'x-request-id': 'bad id\twith spaces' });
      expect(forged.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    });

    it('/readyz is unready while a migration is missing, and ready again once it is applied', async () => {
      const { dataSource } = server.services.database;
      const rows = await dataSource.query('SELECT * FROM migrations') as Array<{ id: number; timestamp: string | number; name: string }>;
      const last = rows.at(-1)!;
      await dataSource.query('DELETE FROM migrations WHERE name = ?', [last.name]);
      try {
        const unready = await eventually(async () => {
          const r = await get(`${server.url}/readyz`);
          return r.status === 503 ? r : undefined;
        }, 5000, 'unready');
        expect(JSON.parse(unready.text)).to.deep.equal({ status: 'unready', reason: 'migrations' });
        expect((await get(`${server.url}/healthz`)).status, 'still alive').to.equal(200);
      } finally {
        await dataSource.query('INSERT INTO migrations (id, timestamp, name) VALUES (?, ?, ?)', [last.id, last.timestamp, last.name]);
      }
      await eventually(async () => (await get(`${server.url}/readyz`)).status === 200, 5000, 'ready again');
    });

    it('/metrics counts logins by user type and result, step latencies, hashing, mail, HTTP, pool — no personal data', async () => {
      const [student, other] = server.students;
      const email = 'ops-metrics@example.test';
      await firstLogin(server, newBrowser(), student!, email);
      const browser = newBrowser();
      const { page } = await openLogin(server, browser);
      await submitLogin(browser, page, { userId: other!.userId, password: 'Wrong-pass-1' });

      const response = await get(`${server.url}/metrics`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.contain('text/plain');
      const text = response.text;
      expect(metricValue(text, 'certidp_logins_total', { user_type: 'student', result: 'success' })).to.be.at.least(1);
      expect(metricValue(text, 'certidp_logins_total', { user_type: 'student', result: 'failure' })).to.be.at.least(1);
      expect(metricValue(text, 'certidp_interaction_step_duration_seconds_count', { step: '/interaction/:uid/login', method: 'POST' })).to.be.at.least(2);
      expect(metricValue(text, 'certidp_interaction_step_duration_seconds_count', { step: '/interaction/:uid', method: 'GET' })).to.be.at.least(1);
      expect(metricValue(text, 'certidp_http_request_duration_seconds_count', { method: 'POST', route: '/token', status_code: '200' })).to.be.at.least(1);
      expect(metricValue(text, 'certidp_password_hash_duration_seconds_count', { operation: 'verify' })).to.be.at.least(2);
      expect(metricValue(text, 'certidp_password_hash_duration_seconds_count', { operation: 'hash' })).to.be.at.least(1);
      expect(text).to.match(/^certidp_password_hash_queue_length 0$/m);
      expect(metricValue(text, 'certidp_mail_deliveries_total', { result: 'sent' })).to.be.at.least(1);
      expect(text).to.match(/^certidp_mail_outbox_pending \d+$/m);
      expect(text).to.match(/^certidp_mail_outbox_failed \d+$/m);
      expect(text).to.match(/^process_resident_memory_bytes \d/m);
      if (db.name === 'mariadb') expect(metricValue(text, 'certidp_db_pool_connections', { state: 'max' })).to.equal(10);
      // No personal data, identifier or token in any label.
      for (const forbidden of [student!.userId, other!.userId, email, 'example.test', student!.studentNumber, 'token=', '?']) {
        expect(text, forbidden).not.to.contain(forbidden);
      }
      const routes = [...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]!);
      expect(routes.every((r) => r.startsWith('/') || r === 'static' || r === 'unmatched'), routes.join(' ')).to.equal(true);
      expect(routes.some((r) => /[0-9A-Za-z_-]{21,}/.test(r)), 'no ids in routes').to.equal(false);
    });
  });
}

describe('password hashing runs with bounded concurrency', () => {
  it('a burst of hashes waits in the queue; at most maxConcurrent run at once', async () => {
    const hasher = new PasswordHasher({ memoryKiB: 19456, timeCost: 2, parallelism: 1, maxConcurrent: 2 });
    const timings: number[] = [];
    hasher.observer = (_operation, seconds) => timings.push(seconds);
    let maxActive = 0;
    const watch = setInterval(() => { maxActive = Math.max(maxActive, hasher.active); }, 1);
    const burst = Array.from({ length: 10 }, (_, i) => hasher.hash(`Burst-password-${i}`));
    expect(hasher.queued).to.equal(8);
    await Promise.all(burst);
    clearInterval(watch);
    expect(maxActive).to.be.at.most(2);
    expect(hasher.queued).to.equal(0);
    expect(timings).to.have.length(10);
  });

  it('without maxConcurrent: one hash per core, at most libuv\'s thread pool (UV_THREADPOOL_SIZE, 4 by default)', async () => {
    const pool = process.env.UV_THREADPOOL_SIZE;
    try {
      delete process.env.UV_THREADPOOL_SIZE;
      expect(defaultMaxConcurrent()).to.equal(Math.min(os.availableParallelism(), 4));
      process.env.UV_THREADPOOL_SIZE = '1';
      expect(defaultMaxConcurrent()).to.equal(1);
      process.env.UV_THREADPOOL_SIZE = 'many';
      expect(defaultMaxConcurrent()).to.equal(Math.min(os.availableParallelism(), 4));
    } finally {
      if (pool === undefined) delete process.env.UV_THREADPOOL_SIZE;
      else process.env.UV_THREADPOOL_SIZE = pool;
    }
    const hasher = new PasswordHasher(OWASP_PARAMETERS);
    const burst = Array.from({ length: 6 }, (_, i) => hasher.hash(`Burst-password-${i}`));
    expect(hasher.active).to.equal(defaultMaxConcurrent());
    expect(hasher.queued).to.equal(6 - defaultMaxConcurrent());
    await Promise.all(burst);
  });
});

if (DATABASES.some((db) => db.name === 'mariadb')) {
  describe('operations: /readyz follows the database (mariadb)', function () {
    this.timeout(60_000);
    const target = new URL(DATABASES.find((db) => db.name === 'mariadb')!.url!);
    const gate = new TcpGate(target.hostname, Number(target.port || 3306));
    let server: TestServer;

    before(async () => {
      await gate.up();
      const through = new URL(target);
      through.hostname = '127.0.0.1';
      through.port = String(gate.port);
      server = await startTestServer({ name: 'mariadb', url: through.toString() });
    });
    after(async () => {
      await gate.up().catch(() => undefined);
      await server?.stop();
      await gate.down();
    });

    it('goes unready when the database is unreachable, stays alive, and is ready again when it returns', async () => {
      expect((await get(`${server.url}/readyz`)).status).to.equal(200);
      await gate.down();
      const unready = await eventually(async () => {
        const r = await get(`${server.url}/readyz`);
        return r.status === 503 ? r : undefined;
      }, 10_000, 'unready');
      expect(JSON.parse(unready.text)).to.deep.equal({ status: 'unready', reason: 'database' });
      const started = Date.now();
      await get(`${server.url}/readyz`);
      expect(Date.now() - started, 'the probe answers quickly while the database is away').to.be.below(3000);
      expect((await get(`${server.url}/healthz`)).status, 'alive: no restart for a database outage').to.equal(200);
      await gate.up();
      await eventually(async () => (await get(`${server.url}/readyz`)).status === 200, 15_000, 'ready again');
      // …and serves logins again.
      const browser = newBrowser();
      const { page } = await openLogin(server, browser);
      expect(page.status).to.equal(200);
    });
  });
}
