// `npm run bench [-- --check]`: the performance targets of DESIGN.md §7, measured as ratios against
// baselines taken in the same run on the same machine (never absolute timings).
//
//   1. argon2id verifications/s through the product's PasswordHasher (the baseline for 2).
//   2. complete student logins/s (authorize → login form → code → token → userinfo) against the real
//      server on MariaDB; a login costs two verifications, so the target is ≥ 90 % of verifies/s ÷ 2.
//   3. discovery, JWKS, userinfo and token (refresh_token grant) requests/s: our server with its MySQL
//      adapter against a bare oidc-provider with its in-memory adapter; target ≥ 80 %.
//   4. peak resident memory of this process (the server, plus the harness) during the logins; < 256 MiB.
//
// The servers run in this process (NODE_ENV=production, see env.ts); the HTTP load comes from a child
// process (bench/load.ts) so that the client's work does not share the server's event loop. Each pair
// is measured A B B A in halves, so that a drifting load on a shared machine weighs on both sides.
// Everything is loopback traffic and every loop stops by itself. It prints a report and exits 0; with --check it exits 1 when a target is missed.
// BENCH_SECONDS sets the measured length of each phase (default 8). It uses (and empties) its own MariaDB
// database, BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/cert_idp_bench, created if missing).
import './env.js';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { Provider, type Configuration } from 'oidc-provider';
import type { AppConfig } from '../src/config/types.js';
import { scopeClaims } from '../src/oidc/claims.js';
import { loadKeyMaterial, type KeyMaterial } from '../src/oidc/keys.js';
import { ACR } from '../src/oidc/provider.js';
import { PasswordHasher } from '../src/credentials/hashing.js';
import { firstLogin, fullLogin, NEW_SECOND_PASSWORD } from '../test/support/flows.js';
import { freePort, newBrowser, RP, startTestServer, type TestServer } from '../test/support/harness.js';
import type { FromLoad, Job, RequestSpec, ToLoad } from './protocol.js';

const CHECK = process.argv.includes('--check');
const SECONDS = positiveNumber('BENCH_SECONDS', 8);
/** Load before each measured run that is not counted (JIT, connection pools, caches). */
const WARMUP_SECONDS = Math.min(1, Math.max(0.25, SECONDS / 16));
const LOGIN_CONCURRENCY = Math.ceil(positiveNumber('BENCH_LOGIN_CONCURRENCY', 8));
const HTTP_CONCURRENCY = Math.ceil(positiveNumber('BENCH_HTTP_CONCURRENCY', 16));
const VERIFIES_IN_FLIGHT = 16;
const STUDENT_POOL = 8;
// Its own database: the tests' `test` database may be in use (and wiped) by a test run at the same time.
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/cert_idp_bench';

const TARGET = { loginShare: 0.9, endpointShare: 0.8, rssMiB: 256 };
/** What a relying party asks for at login (the harness's default), and with a refresh token. */
const LOGIN_SCOPE = 'openid email profile enrollment';
const OFFLINE_SCOPE = 'openid offline_access email profile enrollment';
const CLIENT_ID = 'test-rp';

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(raw)}`);
  return value;
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** Creates the benchmark's database if it does not exist yet (the harness then empties it). */
async function ensureDatabase(url: string): Promise<void> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`BENCH_MYSQL_URL: unexpected database name ${JSON.stringify(name)}`);
  parsed.pathname = '/';
  const connection = await mysql.createConnection(parsed.toString());
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
}

// ---------------------------------------------------------------------------------------------
// CPU and memory accounting

interface CpuSnapshot {
  at: number;
  /** This process: every thread (event loop, libuv pool running argon2, GC, ...), µs. */
  process: NodeJS.CpuUsage;
  /** This process's main thread only (the servers' JavaScript), µs. */
  thread: NodeJS.CpuUsage;
  /** Every core of the machine, busy ms (MariaDB included). */
  machineBusyMs: number;
  /** The local MariaDB server's process, ms (undefined when it cannot be found). */
  databaseMs?: number;
}

/** The local database server's process (Linux /proc), so that its share of the CPU can be told apart. */
function findDatabaseProcess(): string | undefined {
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        if (name === 'mariadbd' || name === 'mysqld') return pid;
      } catch {
        // gone, or not ours to read
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}

const DATABASE_PID = findDatabaseProcess();
/** USER_HZ: the unit of /proc/<pid>/stat times on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

function databaseCpuMs(): number | undefined {
  if (!DATABASE_PID) return undefined;
  try {
    const stat = readFileSync(`/proc/${DATABASE_PID}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ", utime and stime are the 12th and 13th fields.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function machineBusyMs(): number {
  return os.cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
}

function snapshot(): CpuSnapshot {
  return { at: performance.now(), process: process.cpuUsage(), thread: process.threadCpuUsage(), machineBusyMs: machineBusyMs(), databaseMs: databaseCpuMs() };
}

interface CpuSpent { wallMs: number; processMs: number; threadMs: number; machineMs: number; databaseMs?: number }

function spent(from: CpuSnapshot, to: CpuSnapshot): CpuSpent {
  const ms = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;
  const databaseMs = from.databaseMs !== undefined && to.databaseMs !== undefined ? to.databaseMs - from.databaseMs : undefined;
  return { wallMs: to.at - from.at, processMs: ms(from.process, to.process), threadMs: ms(from.thread, to.thread), machineMs: to.machineBusyMs - from.machineBusyMs, databaseMs };
}

interface MemoryPeak { before: number; peak: number; atPeak: NodeJS.MemoryUsage }

/** Samples this process's resident memory (and what V8 holds at that moment) until stopped. */
function memorySampler(intervalMs = 25): { stop(): MemoryPeak } {
  const first = process.memoryUsage();
  let atPeak = first;
  const sample = () => {
    const now = process.memoryUsage();
    if (now.rss > atPeak.rss) atPeak = now;
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { before: first.rss, peak: atPeak.rss, atPeak };
    },
  };
}

/** One measured run, or several of the same kind added together. */
interface Measured {
  count: number;
  errors: number;
  firstError?: string;
  seconds: number;
  /** CPU the load generator (child process) used in the window, ms. */
  loadCpuMs: number;
  cpu: CpuSpent;
  memory: MemoryPeak;
}

function combine(parts: Measured[]): Measured {
  const [first, ...rest] = parts;
  if (!first) throw new Error('nothing measured');
  return rest.reduce<Measured>((sum, part) => ({
    count: sum.count + part.count,
    errors: sum.errors + part.errors,
    firstError: sum.firstError ?? part.firstError,
    seconds: sum.seconds + part.seconds,
    loadCpuMs: sum.loadCpuMs + part.loadCpuMs,
    cpu: {
      wallMs: sum.cpu.wallMs + part.cpu.wallMs,
      processMs: sum.cpu.processMs + part.cpu.processMs,
      threadMs: sum.cpu.threadMs + part.cpu.threadMs,
      machineMs: sum.cpu.machineMs + part.cpu.machineMs,
      databaseMs: sum.cpu.databaseMs !== undefined && part.cpu.databaseMs !== undefined ? sum.cpu.databaseMs + part.cpu.databaseMs : undefined,
    },
    memory: part.memory.peak > sum.memory.peak ? { ...part.memory, before: sum.memory.before } : sum.memory,
  }), first);
}

const perSecond = (m: Measured) => m.count / m.seconds;

// ---------------------------------------------------------------------------------------------
// The load generator (child process)

class LoadGenerator {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<LoadGenerator> {
    // fork() passes this process's execArgv on, so the child loads TypeScript the same way (tsx).
    const child = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromLoad) => {
        if (message.type !== 'ready') return;
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve();
      };
      const onExit = (code: number | null) => reject(new Error(`the load generator exited (${code}) before it was ready`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    return new LoadGenerator(child);
  }

  /** Runs one job; CPU is snapshotted at the edges of the measured window, memory sampled throughout. */
  run(job: Job): Promise<Measured> {
    return new Promise((resolve, reject) => {
      const memory = memorySampler();
      let start: CpuSnapshot | undefined;
      let cpu: CpuSpent | undefined;
      const cleanup = () => {
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const onMessage = (message: FromLoad) => {
        if (message.type === 'window' && message.at === 'start') start = snapshot();
        if (message.type === 'window' && message.at === 'end') cpu = spent(start ?? snapshot(), snapshot());
        if (message.type === 'result') {
          cleanup();
          const { result } = message;
          resolve({
            count: result.count, errors: result.errors, firstError: result.firstError, seconds: result.seconds,
            loadCpuMs: result.cpuMs, cpu: cpu ?? spent(start ?? snapshot(), snapshot()), memory: memory.stop(),
          });
        }
        if (message.type === 'failed') {
          cleanup();
          memory.stop();
          reject(new Error(`load generator: ${message.message}`));
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        memory.stop();
        reject(new Error(`the load generator exited (${code}) during a job`));
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ type: 'job', job } satisfies ToLoad);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    if (this.child.connected) this.child.send({ type: 'exit' } satisfies ToLoad);
    const timer = setTimeout(() => this.child.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }
}

function httpJob(request: RequestSpec, seconds: number): Job {
  return { kind: 'http', request, concurrency: HTTP_CONCURRENCY, seconds, warmupSeconds: WARMUP_SECONDS };
}

/**
 * Runs A and B in the order A B B A, each for half the time, and adds the halves up: a load that
 * drifts during the run (this machine is shared) weighs on both sides alike.
 */
async function abba(a: (seconds: number) => Promise<Measured>, b: (seconds: number) => Promise<Measured>, seconds: number): Promise<[Measured, Measured]> {
  const half = seconds / 2;
  const a1 = await a(half);
  const b1 = await b(half);
  const b2 = await b(half);
  const a2 = await a(half);
  return [combine([a1, a2]), combine([b1, b2])];
}

// ---------------------------------------------------------------------------------------------
// 1. argon2 baseline

const VERIFY_PASSWORD = 'Bench-Univ-Pass-1x';

/** `VERIFIES_IN_FLIGHT` loops verify the same hash through the hasher (which runs maxConcurrent at once). */
async function measureVerifies(hasher: PasswordHasher, hash: string, seconds: number): Promise<Measured> {
  const memory = memorySampler();
  const windowStart = performance.now() + WARMUP_SECONDS * 1000;
  const windowEnd = windowStart + seconds * 1000;
  let count = 0;
  let start: CpuSnapshot | undefined;
  let cpu: CpuSpent | undefined;
  const startTimer = setTimeout(() => { start = snapshot(); }, WARMUP_SECONDS * 1000);
  const endTimer = setTimeout(() => { cpu = spent(start ?? snapshot(), snapshot()); }, (WARMUP_SECONDS + seconds) * 1000);
  const loop = async () => {
    while (performance.now() < windowEnd) {
      if (!(await hasher.verify(hash, VERIFY_PASSWORD))) throw new Error('verification failed');
      const now = performance.now();
      if (now >= windowStart && now <= windowEnd) count += 1;
    }
  };
  await Promise.all(Array.from({ length: VERIFIES_IN_FLIGHT }, loop));
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  return { count, errors: 0, seconds, loadCpuMs: 0, cpu: cpu ?? spent(start ?? snapshot(), snapshot()), memory: memory.stop() };
}

// ---------------------------------------------------------------------------------------------
// 3. a bare oidc-provider with its in-memory adapter

interface Tokens { accessToken: string; refreshToken: string }
interface Bare { url: string; mintTokens(): Promise<Tokens>; close(): Promise<void> }

/**
 * The same provider features, scopes, claims and signing key as ours, nothing else: no Koa
 * middleware around it, the default in-memory adapter, and an account that answers from memory
 * with the same claims our userinfo returns.
 */
async function startBareProvider(keys: KeyMaterial, claims: Record<string, unknown>, lifetimes: AppConfig['lifetimes']): Promise<Bare> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const accountId = String(claims.sub);
  const configuration: Configuration = {
    clients: [{
      client_id: CLIENT_ID, client_secret: RP.secret, token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [RP.redirectUri], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    }],
    jwks: keys.jwks as Configuration['jwks'],
    cookies: { keys: keys.cookieKeys },
    async findAccount(_ctx, id) {
      return { accountId: id, claims: () => ({ ...claims, sub: id }) };
    },
    claims: scopeClaims as unknown as Configuration['claims'],
    scopes: ['openid', 'offline_access', 'email', 'profile', 'enrollment'],
    acrValues: [ACR.password, ACR.twoPasswords],
    responseTypes: ['code', 'none'],
    ttl: {
      AccessToken: lifetimes.accessTokenSeconds,
      AuthorizationCode: lifetimes.authorizationCodeSeconds,
      IdToken: lifetimes.idTokenSeconds,
      RefreshToken: lifetimes.refreshTokenDays * 86400,
      Grant: lifetimes.refreshTokenDays * 86400,
      Interaction: lifetimes.interactionMinutes * 60,
      Session: lifetimes.sessionIdleMinutes * 60,
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
  };
  // The in-memory adapter is the point of this baseline: drop oidc-provider's warning about it.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('in-memory adapter')) warn(...args);
  };
  let provider: Provider;
  try {
    provider = new Provider(url, configuration);
  } finally {
    console.warn = warn;
  }
  const server: Server = provider.listen(port, '127.0.0.1');
  await once(server, 'listening');

  const client = await provider.Client.find(CLIENT_ID);
  if (!client) throw new Error('bare provider: client not found');
  const grant = new provider.Grant({ accountId, clientId: CLIENT_ID });
  grant.addOIDCScope(OFFLINE_SCOPE);
  const grantId = await grant.save();
  return {
    url,
    /** Tokens as a login would have issued them, put straight into the provider's storage. */
    async mintTokens() {
      const authTime = Math.floor(Date.now() / 1000);
      const accessToken = await new provider.AccessToken({ client, accountId, grantId, scope: LOGIN_SCOPE, gty: 'authorization_code' }).save();
      const refreshToken = await new provider.RefreshToken({
        client, accountId, grantId, scope: OFFLINE_SCOPE, gty: 'authorization_code', authTime, acr: ACR.twoPasswords, amr: ['pwd'],
      }).save();
      return { accessToken, refreshToken };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

interface EndpointRequests { discovery: RequestSpec; jwks: RequestSpec; userinfo: RequestSpec; token: RequestSpec }

function endpointRequests(base: string, { accessToken, refreshToken }: Tokens): EndpointRequests {
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(RP.secret)}`).toString('base64')}`;
  // What a relying party's fetch sends (undici asks for compressed bodies over http:).
  const common = { accept: 'application/json', 'accept-encoding': 'gzip, deflate' };
  return {
    discovery: { method: 'GET', url: `${base}/.well-known/openid-configuration`, headers: common },
    jwks: { method: 'GET', url: `${base}/jwks`, headers: common },
    userinfo: { method: 'GET', url: `${base}/me`, headers: { ...common, authorization: `Bearer ${accessToken}` } },
    token: {
      method: 'POST',
      url: `${base}/token`,
      headers: { ...common, authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Report

interface Row { metric: string; ours: string; baseline: string; ratio: string; target: string; result: 'pass' | 'FAIL' | 'info' | 'ERROR' }

function table(rows: Row[]): string {
  const header: Row = { metric: 'metric', ours: 'ours', baseline: 'baseline', ratio: 'ratio', target: 'target', result: 'info' };
  const columns = ['metric', 'ours', 'baseline', 'ratio', 'target', 'result'] as const;
  const cell = (row: Row, column: (typeof columns)[number]) => (row === header && column === 'result' ? 'result' : row[column]);
  const widths = columns.map((column) => Math.max(...[header, ...rows].map((row) => cell(row, column).length)));
  const line = (row: Row) => columns.map((column, i) => (i === 0 ? cell(row, column).padEnd(widths[i]!) : cell(row, column).padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const rate = (value: number, unit = '/s') => `${value.toFixed(value >= 100 ? 0 : 1)}${unit}`;
const mib = (bytes: number) => bytes / 1024 / 1024;

function judged(pass: boolean, errors: number): Row['result'] {
  if (errors > 0) return 'ERROR';
  return pass ? 'pass' : 'FAIL';
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const began = performance.now();
  const cores = os.cpus().length;
  log(`${SECONDS} s per measurement (in halves, A B B A), +${WARMUP_SECONDS} s warm-up each; node ${process.version}, ${cores} cores`);
  const database = new URL(MYSQL_URL).pathname.slice(1);
  log(`starting the server on MariaDB (database \`${database}\`, emptied first)…`);
  await ensureDatabase(MYSQL_URL);
  const server: TestServer = await startTestServer({ name: 'mariadb', url: MYSQL_URL });
  let load: LoadGenerator | undefined;
  let bare: Bare | undefined;
  try {
    // The harness's last student is withdrawn and cannot sign in.
    const students = server.students.slice(0, Math.min(STUDENT_POOL, server.students.length - 1));
    log(`first login of ${students.length} students (address + second password)…`);
    await Promise.all(students.map((student) => firstLogin(server, newBrowser(), student, `bench-${student.userId}@example.ac.jp`)));
    load = await LoadGenerator.start();
    const generator = load;

    // 1. + 2. argon2 verifications through the product's own hasher with the configured parameters,
    // and complete logins; 4. memory during the logins.
    const params = server.config.passwordHashing;
    const hasher = new PasswordHasher(params);
    const hash = await hasher.hash(VERIFY_PASSWORD);
    if (!(await hasher.verify(hash, VERIFY_PASSWORD))) throw new Error('PasswordHasher does not verify its own hash');
    log(`argon2 (PasswordHasher m=${params.memoryKiB},t=${params.timeCost},p=${params.parallelism}, ${params.maxConcurrent} at once, ${VERIFIES_IN_FLIGHT} in flight) `
      + `vs. logins (${LOGIN_CONCURRENCY} concurrent, ${students.length} students)…`);
    const [verifies, logins] = await abba(
      (seconds) => measureVerifies(hasher, hash, seconds),
      (seconds) => generator.run({
        kind: 'logins', url: server.url, students, secondPassword: NEW_SECOND_PASSWORD,
        concurrency: LOGIN_CONCURRENCY, seconds, warmupSeconds: WARMUP_SECONDS,
      }),
      SECONDS,
    );

    // 3. endpoints, ours against bare. Our tokens come from real logins of the relying party, fresh
    // for each endpoint (access tokens expire).
    const student = students[0]!;
    const oursTokens = async (): Promise<Tokens> => {
      const login = await fullLogin(server, newBrowser(), student);
      const offline = await fullLogin(server, newBrowser(), student, NEW_SECOND_PASSWORD, { scope: OFFLINE_SCOPE, prompt: 'consent' });
      if (!offline.tokens.refresh_token) throw new Error('no refresh token from our server');
      return { accessToken: login.tokens.access_token, refreshToken: offline.tokens.refresh_token };
    };
    const first = await oursTokens();
    const userinfoResponse = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${first.accessToken}` } });
    if (userinfoResponse.status !== 200) throw new Error(`our userinfo answered ${userinfoResponse.status}`);
    const claims = await userinfoResponse.json() as Record<string, unknown>;
    bare = await startBareProvider(await loadKeyMaterial(server.config.env), claims, server.config.lifetimes);
    const endpoints: Array<{ name: keyof EndpointRequests; label: string; ours: Measured; bare: Measured }> = [];
    const labels = { discovery: 'discovery req/s', jwks: 'JWKS req/s', userinfo: 'userinfo req/s', token: 'token (refresh_token) req/s' } as const;
    for (const name of ['discovery', 'jwks', 'userinfo', 'token'] as const) {
      log(`${name}: ours vs. bare oidc-provider, ${HTTP_CONCURRENCY} concurrent…`);
      const ours = endpointRequests(server.url, endpoints.length ? await oursTokens() : first)[name];
      const baseline = endpointRequests(bare.url, await bare.mintTokens())[name];
      const [oursRun, bareRun] = await abba(
        (seconds) => generator.run(httpJob(ours, seconds)),
        (seconds) => generator.run(httpJob(baseline, seconds)),
        SECONDS,
      );
      endpoints.push({ name, label: labels[name], ours: oursRun, bare: bareRun });
    }

    // ---- report
    const rows: Row[] = [];
    rows.push({
      metric: `argon2id verify/s (m=${params.memoryKiB},t=${params.timeCost},p=${params.parallelism}; ${params.maxConcurrent} at once)`,
      ours: rate(perSecond(verifies)), baseline: '-', ratio: '-', target: 'baseline', result: 'info',
    });
    const loginRate = perSecond(logins);
    const allowed = perSecond(verifies) / 2;
    const loginRatio = loginRate / allowed;
    rows.push({
      metric: 'student logins/s (+ token + userinfo)', ours: rate(loginRate), baseline: `${rate(allowed)} (verifies/2)`,
      ratio: loginRatio.toFixed(2), target: `>= ${TARGET.loginShare.toFixed(2)}`, result: judged(loginRatio >= TARGET.loginShare, logins.errors),
    });
    for (const endpoint of endpoints) {
      const ratio = perSecond(endpoint.ours) / perSecond(endpoint.bare);
      rows.push({
        metric: endpoint.label, ours: rate(perSecond(endpoint.ours), ''), baseline: `${rate(perSecond(endpoint.bare), '')} (bare)`,
        ratio: ratio.toFixed(2), target: `>= ${TARGET.endpointShare.toFixed(2)}`,
        result: judged(ratio >= TARGET.endpointShare, endpoint.ours.errors + endpoint.bare.errors),
      });
    }
    if (logins.count > 0 && verifies.count > 0 && logins.cpu.databaseMs !== undefined) {
      // What §7 is about, without the load generator and other processes: the CPU a login costs the
      // server and its database, against the two verifications in it.
      const serverMs = (logins.cpu.processMs + logins.cpu.databaseMs) / logins.count;
      const hashingMs = (2 * verifies.cpu.processMs) / verifies.count;
      rows.push({
        metric: 'CPU ms per login, server + MariaDB', ours: serverMs.toFixed(1), baseline: `${hashingMs.toFixed(1)} (2 verifies)`,
        ratio: (hashingMs / serverMs).toFixed(2), target: '(info)', result: 'info',
      });
    }
    const rss = mib(logins.memory.peak);
    rows.push({
      metric: 'peak RSS during logins (MiB)', ours: rss.toFixed(0), baseline: `${TARGET.rssMiB} (limit)`,
      ratio: (rss / TARGET.rssMiB).toFixed(2), target: '< 1.00', result: rss < TARGET.rssMiB ? 'pass' : 'FAIL',
    });

    const out: string[] = [];
    out.push('', 'cert-idp benchmark (DESIGN.md §7): ratios measured in the same run', '');
    out.push(table(rows), '');
    out.push(`node ${process.version}, ${cores} cores, ${SECONDS} s per measurement (+ warm-up), MariaDB adapter, `
      + `${LOGIN_CONCURRENCY} concurrent logins over ${students.length} students, ${HTTP_CONCURRENCY} concurrent HTTP loops; `
      + 'load from a child process.');
    const at = logins.memory.atPeak;
    out.push(`memory at the RSS peak (MiB): rss ${mib(at.rss).toFixed(0)}, V8 heap ${mib(at.heapUsed).toFixed(0)} used / ${mib(at.heapTotal).toFixed(0)} total, `
      + `external ${mib(at.external).toFixed(0)}; rss before the logins ${mib(logins.memory.before).toFixed(0)}; `
      + `peak during the argon2 runs ${mib(verifies.memory.peak).toFixed(0)}.`);
    if (logins.count > 0 && verifies.count > 0) {
      const n = logins.count;
      const c = logins.cpu;
      const threads = Math.max(0, c.processMs - c.threadMs);
      const db = c.databaseMs;
      const rest = Math.max(0, c.machineMs - c.processMs - logins.loadCpuMs - (db ?? 0));
      out.push(`CPU per login (ms): server event loop ${(c.threadMs / n).toFixed(1)}, argon2 and other server threads ${(threads / n).toFixed(1)}, `
        + (db !== undefined ? `MariaDB ${(db / n).toFixed(1)}, ` : '')
        + `load generator ${(logins.loadCpuMs / n).toFixed(1)}, rest of the machine (${db !== undefined ? '' : 'MariaDB, '}other processes, kernel) ${(rest / n).toFixed(1)}; `
        + `machine ${(100 * c.machineMs / (c.wallMs * cores)).toFixed(0)} % busy.`);
      const v = verifies.cpu;
      out.push(`CPU per argon2 verification alone (ms): ${(v.processMs / verifies.count).toFixed(1)} in this process; `
        + `machine ${(100 * v.machineMs / (v.wallMs * cores)).toFixed(0)} % busy, ${(100 * Math.max(0, v.machineMs - v.processMs) / (v.wallMs * cores)).toFixed(0)} % of it outside this process.`);
    }
    for (const endpoint of endpoints) {
      const share = (ms: number, m: Measured) => `${(100 * ms / m.cpu.wallMs).toFixed(0)} %`;
      const busy = (m: Measured) => `server event loop ${share(m.cpu.threadMs, m)}, load generator ${share(m.loadCpuMs, m)}`
        + (m.cpu.databaseMs !== undefined ? `, MariaDB ${share(m.cpu.databaseMs, m)}` : '');
      out.push(`${endpoint.name} busy (of one core): ours ${busy(endpoint.ours)}; bare ${busy(endpoint.bare)}.`);
    }
    const failures = [
      ['logins', logins] as const,
      ...endpoints.flatMap((e) => [[`${e.name} (ours)`, e.ours] as const, [`${e.name} (bare)`, e.bare] as const]),
    ].filter(([, m]) => m.errors > 0);
    for (const [what, m] of failures) out.push(`errors in ${what}: ${m.errors}, the first: ${m.firstError}`);
    out.push(`total ${((performance.now() - began) / 1000).toFixed(0)} s`, '');
    const missed = rows.filter((row) => row.result === 'FAIL' || row.result === 'ERROR');
    out.push(missed.length ? `${missed.length} target(s) missed: ${missed.map((row) => row.metric).join('; ')}` : 'all targets met', '');
    process.stdout.write(out.join('\n'));
    return CHECK && missed.length ? 1 : 0;
  } finally {
    await load?.stop();
    await bare?.close();
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  },
);
