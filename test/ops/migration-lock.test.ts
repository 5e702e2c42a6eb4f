// Replicas that start together on an EMPTY MariaDB database (the server migrates at start), and two
// migration Jobs at once: the migration lock lets one migrate (and seed) while the others wait, so every
// process starts and each migration is applied once. Real processes on a database of the test's own.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { migrations } from '../../migrations/index.js';
import { DATABASES, freePort } from '../support/harness.js';
import { eventually, ROOT, ServerProcess, tempDir } from './support.js';

const mariadb = DATABASES.find((db) => db.name === 'mariadb');

/**
 * A TCP forwarder to the database that holds every new connection (no server greeting yet) until
 * `release()`: processes started one after the other meet at their first database statement.
 */
class MeetingGate {
  readonly held: Array<{ socket: net.Socket; at: number }> = [];
  private released = false;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.port = await freePort();
    this.server = net.createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      if (this.released) this.forward(client);
      else this.held.push({ socket: client, at: Date.now() });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', () => resolve()));
  }

  release(): void {
    this.released = true;
    for (const { socket } of this.held.splice(0)) this.forward(socket);
  }

  private forward(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => { client.destroy(); upstream.destroy(); });
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

function migrate(url: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts'], {
      cwd: ROOT, env: { PATH: process.env.PATH ?? '', DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.once('exit', (code) => resolve({ code, output }));
  });
}

(mariadb ? describe : describe.skip)('migrations under a lock: processes starting together on an empty MariaDB', function () {
  this.timeout(120_000);
  const base = new URL(mariadb?.url ?? 'mysql://localhost/none');
  // A database of this test's own, next to the test database: dropped and created empty for each case.
  const name = `${base.pathname.slice(1)}_startrace`;
  const urlOf = (port: string) => `mysql://${base.username}${base.password ? `:${base.password}` : ''}@${base.hostname}:${port}/${name}`;
  let admin: mysql.Connection;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const servers: ServerProcess[] = [];
  let gate: MeetingGate | undefined;

  async function emptyDatabase(): Promise<void> {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  }

  async function appliedMigrations(): Promise<string[]> {
    const [rows] = await admin.query(`SELECT name FROM \`${name}\`.migrations ORDER BY id`);
    return (rows as Array<{ name: string }>).map((r) => r.name);
  }

  before(async () => {
    admin = await mysql.createConnection({ host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username), password: decodeURIComponent(base.password) });
    tmp = await tempDir('cert-idp-startrace-');
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop().catch(() => undefined)));
    await gate?.close();
    gate = undefined;
  });

  after(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin?.end();
    await tmp?.remove();
  });

  it('two server processes started at once both start; each migration is applied once', async () => {
    await emptyDatabase();
    gate = new MeetingGate({ host: base.hostname, port: Number(base.port || 3306) });
    await gate.open();
    for (const replica of ['a', 'b']) {
      // The demo configuration: its first start also seeds the catalogue and the postal codes.
      servers.push(new ServerProcess(`replica ${replica}`, await freePort(), await freePort(), {
        DATABASE_URL: urlOf(String(gate.port)), DATA_DIR: path.join(tmp.dir, replica),
      }));
    }
    const starting = servers.map((s) => s.start(60_000));
    // Both reach the database, then go on together (within the driver's 5 s connect timeout).
    await eventually(async () => gate!.held.length >= 2 || (gate!.held[0] && Date.now() - gate!.held[0].at > 3500), 30_000, 'both replicas at the database');
    expect(gate.held.length, 'both replicas met at the database').to.equal(2);
    gate.release();
    const results = await Promise.allSettled(starting);
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${servers[i]!.name}: ${(r.reason as Error).message}`] : []));
    expect(failures, failures.join('\n')).to.deep.equal([]);
    expect(await appliedMigrations()).to.deep.equal(migrations.map((m) => m.name));
    for (const s of servers) expect((await fetch(`${s.url}/readyz`)).status, `${s.name} ready`).to.equal(200);
  });

  it('two migration commands at once: one applies, the other waits and finds nothing to do', async () => {
    await emptyDatabase();
    const url = urlOf(base.port || '3306');
    const [first, second] = await Promise.all([migrate(url), migrate(url)]);
    expect([first!.code, second!.code], `${first!.output}\n${second!.output}`).to.deep.equal([0, 0]);
    const outputs = [first!.output, second!.output].sort();
    expect(outputs[0]).to.match(/^applied: /m);
    expect(outputs[1]).to.match(/no pending migrations/);
    expect(await appliedMigrations()).to.deep.equal(migrations.map((m) => m.name));
  });
});
