// `npm run bench [-- --check]`: the performance targets of DESIGN.md §7, measured as ratios against
// baselines taken in the same run on the same machine (never absolute timings).
//
// What runs is what runs in production: the production build (`npm run build`, then the image's
// command — the Dockerfile's CMD, `node --max-semi-space-size=4 --heap-growing-percent=20 --expose-gc dist/src/server.js` — with
// NODE_ENV=production, MariaDB, SMTP, keys from files, behind a forwarded https as behind the ingress,
// bench/forwarding.ts) in a process of its own, and the baseline, a bare oidc-provider with its
// in-memory adapter, in a process of its own started with plain `node` (bench/bare-provider.ts). The load comes from a third process (bench/load.ts); this one only
// orchestrates, reads the processes' CPU and memory from /proc, and measures the two argon2 libraries.
//
//   1. hashing: `argon2` (node-argon2) and `@node-rs/argon2` verify the same PHC hashes (A B B A), half
//      before the logins and half after them.
//   2. complete student logins (authorize → login form → code → token → userinfo) at saturation:
//      logins/s and CPU per login split into server (event loop / other threads), MariaDB and load
//      generator; hashing's share of the server's CPU per login (server + MariaDB).
//   3. latency: logins started at 70 % of that saturation, p50/p95/p99 of a complete login.
//   3b. where a login's CPU goes: one login at a time, the server's and MariaDB's CPU per request.
//   3c. the floor (`bare`, information only): the same logins against a bare provider whose login
//      interaction verifies the same two passwords and does nothing else, at saturation and one at a
//      time — hashing's share of a login that adds nothing to oidc-provider and stores nothing.
//   4. discovery, JWKS, userinfo and token (refresh_token grant): ours against the bare provider (A B B A).
//   5. resident memory of both processes idle, and of ours under each load.
//
// It prints a report and exits 0; with --check it exits 1 when a target is missed (2 when it fails).
// BENCH_SECONDS sets each measurement's length (default 8). It uses (and empties) its own MariaDB
// database, BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/cert_idp_bench, created if missing).
// BENCH_SKIP_BUILD=1 uses the dist/ already built; BENCH_SERVER_NODE_ARGS adds arguments to the server's node.
import './env.js';
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import argon2 from 'argon2';
import { hash as nodeRsHash, verify as nodeRsVerify } from '@node-rs/argon2';
import mysql from 'mysql2/promise';
import pLimit from 'p-limit';
import { defaultMaxConcurrent } from '../src/credentials/hashing.js';
import { scopeClaims } from '../src/oidc/claims.js';
import { ACR } from '../src/oidc/provider.js';
import { firstLogin, fullLogin, NEW_SECOND_PASSWORD } from '../test/support/flows.js';
import { freePort, freshDatabase, newBrowser, RP, testClients, type TestServer, type TestStudent } from '../test/support/harness.js';
import { MailCatcher } from '../test/support/smtp.js';
import { cookieKey, documentKey, productionExampleConfig, signingKey, writeDirectoryFile } from '../test/ops/support.js';
import type { BareProviderSetup, FromBareProvider, TokenPair } from './bare-provider.js';
import { FORWARDED, forwardHttps, plainOrigin } from './forwarding.js';
import type { FromLoad, Job, JobResult, RequestSpec, StepCost, ToLoad } from './protocol.js';

const CHECK = process.argv.includes('--check');
const SECONDS = positiveNumber('BENCH_SECONDS', 8);
/** Load before each measured run that is not counted (JIT, connection pools, caches). */
const WARMUP_SECONDS = Math.min(2, Math.max(0.5, SECONDS / 8));
const LOGIN_CONCURRENCY = Math.ceil(positiveNumber('BENCH_LOGIN_CONCURRENCY', 8));
const HTTP_CONCURRENCY = Math.ceil(positiveNumber('BENCH_HTTP_CONCURRENCY', 16));
const STUDENTS = 24;
/** Latency is measured with logins started at this share of the measured saturation. */
const PACED_SHARE = 0.7;
const IDLE_SETTLE_MS = 3000;
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/cert_idp_bench';
const ROOT = path.resolve(import.meta.dirname, '..');

const TARGET = {
  hashingShare: 0.67,
  endpoint: { discovery: 0.9, jwks: 0.9, token: 0.65, userinfo: 0.5 },
  idleRssRatio: 1.3,
  loginRssMiB: 192,
  p99Ms: 500,
};
/** What a relying party asks for at login (the harness's default), and with a refresh token. */
const LOGIN_SCOPE = 'openid email profile enrollment';
const OFFLINE_SCOPE = 'openid offline_access email profile enrollment';
const CLIENT_ID = 'test-rp';
const PHASES = ['hashing', 'logins', 'steps', 'bare', 'discovery', 'jwks', 'userinfo', 'token'] as const;
type Phase = typeof PHASES[number];
/** BENCH_ONLY=userinfo,token measures only those (while working on them); a report of a part is no verdict on the rest. */
const ONLY = phasesToRun(process.env.BENCH_ONLY);

function phasesToRun(raw: string | undefined): Set<Phase> {
  if (!raw) return new Set(PHASES);
  const asked = raw.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = asked.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown ${unknown.join(', ')} (known: ${PHASES.join(', ')})`);
  return new Set(asked as Phase[]);
}

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

/** Creates the benchmark's database if it does not exist yet (it is emptied before the server starts). */
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
// Processes: CPU and memory from /proc (Linux)

/** USER_HZ: the unit of /proc/<pid>/stat times on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a /proc/.../stat file, ms (undefined when it cannot be read). */
function statCpuMs(file: string): number | undefined {
  try {
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ", utime and stime are the 12th and 13th fields.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Resident memory of a process, bytes. */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? Number.NaN);
  return kib * 1024;
}

function findDatabaseProcess(): number | undefined {
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        if (name === 'mariadbd' || name === 'mysqld') return Number(pid);
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

function machineBusyMs(): number {
  return os.cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
}

/** CPU of a process's threads named `name` (libuv's pool: `libuv-worker`), ms. */
function threadsCpuMs(pid: number, name: string): number {
  let total = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === name) total += statCpuMs(`/proc/${pid}/task/${tid}/stat`) ?? 0;
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return total;
}

interface CpuSnapshot {
  at: number;
  /**
   * The measured server process: every thread, its main thread (the event loop) and libuv's pool
   * (argon2, WebCrypto's signatures, file writes), ms. (A pool thread that ended took its time along.)
   */
  server?: { all: number; main: number; pool: number };
  databaseMs?: number;
  machineMs: number;
  /** This process (the harness), every thread, ms. */
  harnessMs: number;
}

function snapshot(serverPid: number | undefined): CpuSnapshot {
  const all = serverPid === undefined ? undefined : statCpuMs(`/proc/${serverPid}/stat`);
  const main = serverPid === undefined ? undefined : statCpuMs(`/proc/${serverPid}/task/${serverPid}/stat`);
  const harness = process.cpuUsage();
  return {
    at: performance.now(),
    server: all !== undefined && main !== undefined ? { all, main, pool: threadsCpuMs(serverPid!, 'libuv-worker') } : undefined,
    databaseMs: DATABASE_PID === undefined ? undefined : statCpuMs(`/proc/${DATABASE_PID}/stat`),
    machineMs: machineBusyMs(),
    harnessMs: (harness.user + harness.system) / 1000,
  };
}

interface CpuSpent { wallMs: number; serverMs: number; serverMainMs: number; serverPoolMs: number; databaseMs: number; machineMs: number; harnessMs: number }

function spent(from: CpuSnapshot, to: CpuSnapshot): CpuSpent {
  const diff = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? 0 : b - a);
  return {
    wallMs: to.at - from.at,
    serverMs: diff(from.server?.all, to.server?.all),
    serverMainMs: diff(from.server?.main, to.server?.main),
    serverPoolMs: diff(from.server?.pool, to.server?.pool),
    databaseMs: diff(from.databaseMs, to.databaseMs),
    machineMs: to.machineMs - from.machineMs,
    harnessMs: to.harnessMs - from.harnessMs,
  };
}

/** Samples a process's resident memory until stopped; the peak. */
function rssSampler(pid: number, intervalMs = 50): { stop(): number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => { peak = Math.max(peak, rssOf(pid)); }, intervalMs);
  return { stop() { clearInterval(timer); return Math.max(peak, rssOf(pid)); } };
}

/** One measured run, or several of the same kind added together. */
interface Measured {
  count: number;
  errors: number;
  firstError?: string;
  seconds: number;
  /** CPU the load generator used in the window, ms. */
  loadCpuMs: number;
  cpu: CpuSpent;
  /** Peak resident memory of the measured server process, bytes. */
  peakRss: number;
  latenciesMs: number[];
  steps?: StepCost[];
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
      serverMs: sum.cpu.serverMs + part.cpu.serverMs,
      serverMainMs: sum.cpu.serverMainMs + part.cpu.serverMainMs,
      serverPoolMs: sum.cpu.serverPoolMs + part.cpu.serverPoolMs,
      databaseMs: sum.cpu.databaseMs + part.cpu.databaseMs,
      machineMs: sum.cpu.machineMs + part.cpu.machineMs,
      harnessMs: sum.cpu.harnessMs + part.cpu.harnessMs,
    },
    peakRss: Math.max(sum.peakRss, part.peakRss),
    latenciesMs: [...sum.latenciesMs, ...part.latenciesMs].sort((a, b) => a - b),
  }), first);
}

const perSecond = (m: Measured) => m.count / m.seconds;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
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

  /** Runs one job against the process `pid`: CPU snapshotted at the edges of the measured window, its memory sampled throughout. */
  run(job: Job, pid: number): Promise<Measured> {
    return new Promise((resolve, reject) => {
      const memory = rssSampler(pid);
      let start: CpuSnapshot | undefined;
      let cpu: CpuSpent | undefined;
      const cleanup = () => {
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const onMessage = (message: FromLoad) => {
        if (message.type === 'window' && message.at === 'start') start = snapshot(pid);
        if (message.type === 'window' && message.at === 'end') cpu = spent(start ?? snapshot(pid), snapshot(pid));
        if (message.type === 'result') {
          cleanup();
          const result: JobResult = message.result;
          resolve({
            count: result.count, errors: result.errors, firstError: result.firstError, seconds: result.seconds, loadCpuMs: result.cpuMs,
            cpu: cpu ?? spent(start ?? snapshot(pid), snapshot(pid)), peakRss: memory.stop(), latenciesMs: result.latenciesMs, steps: result.steps,
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

// ---------------------------------------------------------------------------------------------
// The two processes under test

interface Running { pid: number; issuer: string; stop(): Promise<void> }

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function waitUntil(url: string, child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode}):\n${output()}`);
    try {
      if ((await fetch(url, { headers: FORWARDED })).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The production build as the image runs it: `node dist/src/server.js`, NODE_ENV=production,
 * configuration, keys and the directory from files, MariaDB, SMTP, metrics on their own port, the
 * default log level (its access log goes to /dev/null here, as cheap as a log collector's pipe).
 */
async function startProductionServer(dir: string, smtpUrl: string, students: TestStudent[]): Promise<Running> {
  const port = await freePort();
  const issuer = `https://127.0.0.1:${port}`;
  const jwk = await signingKey();
  await writeFile(path.join(dir, 'signing-keys.json'), JSON.stringify({ keys: [jwk] }));
  await writeFile(path.join(dir, 'cookie-keys'), `${cookieKey()}\n`);
  await writeFile(path.join(dir, 'document-keys'), `${documentKey()}\n`);
  await writeDirectoryFile(path.join(dir, 'students.yaml'), students.map((s) => ({ userId: s.userId, password: s.password })));
  await writeFile(path.join(dir, 'cert-idp.yaml'), productionExampleConfig((config) => {
    config.directory = { adapter: 'file', file: { path: 'students.yaml' } };
    config.clients = testClients().filter((client) => client.client_id === CLIENT_ID);
  }));
  const env = {
    PATH: process.env.PATH ?? '',
    ...imageEnvironment(),
    NODE_ENV: 'production',
    ISSUER: issuer,
    TRUST_PROXY: 'true',
    PORT: String(port),
    METRICS_PORT: String(await freePort()),
    DATABASE_URL: MYSQL_URL,
    SMTP_URL: smtpUrl,
    CONFIG_FILE: path.join(dir, 'cert-idp.yaml'),
    DATA_DIR: path.join(dir, 'no-data'),
    SIGNING_KEYS_FILE: path.join(dir, 'signing-keys.json'),
    COOKIE_KEYS_FILE: path.join(dir, 'cookie-keys'),
    DOCUMENT_KEYS_FILE: path.join(dir, 'document-keys'),
  };
  // BENCH_SERVER_NODE_ARGS: extra arguments for the server's node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
  // (written when the server stops) or `--heapsnapshot-signal=SIGUSR2`: how the hot paths were found.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...imageCommand()], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => { errors = (errors + chunk.toString('utf8')).slice(-4000); });
  await waitUntil(`${plainOrigin(issuer)}/readyz`, child, () => errors);
  return { pid: child.pid!, issuer, stop: () => stopChild(child) };
}

/**
 * The environment the image sets (the `ENV` instructions of the Dockerfile's last stage, e.g. glibc's
 * MALLOC_ARENA_MAX); the server's own settings (port, issuer, files) are the benchmark's.
 */
function imageEnvironment(): Record<string, string> {
  const lastStage = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ').split(/^FROM /m).at(-1) ?? '';
  const env: Record<string, string> = {};
  for (const line of lastStage.split('\n')) {
    if (!line.startsWith('ENV ')) continue;
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (at < 1) throw new Error(`the Dockerfile's ENV is not NAME=VALUE pairs: ${line}`);
      env[name] = value;
    }
  }
  return env;
}

/** The node arguments of the image's CMD (the Dockerfile's `CMD ["node", …]`): what production runs. */
function imageCommand(): string[] {
  const cmd = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').match(/^CMD (\[.*\])$/m)?.[1];
  const args = cmd ? JSON.parse(cmd) as string[] : [];
  if (args[0] !== 'node' || !args.includes('dist/src/server.js')) throw new Error(`the Dockerfile's CMD is not \`node … dist/src/server.js\`: ${cmd}`);
  return args.slice(1);
}

interface BareRunning extends Running { tokens: TokenPair[] }

/** The baseline: plain `node bench/bare-provider.ts` (Node strips the types itself; no loader). */
async function startBareProvider(setup: Omit<BareProviderSetup, 'port' | 'issuer'>): Promise<BareRunning> {
  const port = await freePort();
  const issuer = `https://127.0.0.1:${port}`;
  const child = fork(fileURLToPath(new URL('./bare-provider.ts', import.meta.url)), [], {
    // BENCH_BARE_NODE_ARGS: the same as BENCH_SERVER_NODE_ARGS, for the baseline (to compare profiles).
    execArgv: ['--disable-warning=ExperimentalWarning', ...(process.env.BENCH_BARE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)],
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', BARE_PROVIDER: JSON.stringify({ ...setup, port, issuer } satisfies BareProviderSetup) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const message = await new Promise<FromBareProvider>((resolve, reject) => {
    child.once('message', (m: FromBareProvider) => resolve(m));
    child.once('exit', (code) => reject(new Error(`the bare provider exited (${code}) before it was ready`)));
  });
  if (message.type === 'failed') throw new Error(`bare provider: ${message.message}`);
  return { pid: child.pid!, issuer, tokens: message.tokens, stop: () => stopChild(child) };
}

/** MariaDB's CPU per ms of wall time while the benchmark sends it nothing (other clients, its own threads). */
async function databaseIdleRate(ms = 2000): Promise<number> {
  const from = snapshot(undefined);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const cpu = spent(from, snapshot(undefined));
  return cpu.databaseMs / cpu.wallMs;
}

/** Resident memory after the process has been left alone for a while. */
async function idleRss(pid: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
  return rssOf(pid);
}

// ---------------------------------------------------------------------------------------------
// 1. hashing: the two argon2 libraries on the same hashes

const VERIFY_PASSWORD = 'Bench-Univ-Pass-1x';

interface HashingRun { verifies: number; seconds: number; cpuMs: number }

/** `maxConcurrent` verifications in flight (as the server's hasher runs them), alternating over the hashes. */
async function measureVerifies(verify: (hash: string, password: string) => Promise<boolean>, hashes: string[], maxConcurrent: number, seconds: number): Promise<HashingRun> {
  const limit = pLimit(maxConcurrent);
  const warmupEnd = performance.now() + WARMUP_SECONDS * 1000;
  let windowStart: CpuSnapshot | undefined;
  let windowEnd = Number.POSITIVE_INFINITY;
  let verifies = 0;
  let next = 0;
  const loop = async () => {
    for (;;) {
      const now = performance.now();
      if (!windowStart && now >= warmupEnd) {
        windowStart = snapshot(undefined);
        windowEnd = now + seconds * 1000;
      }
      if (now >= windowEnd) return;
      const hash = hashes[next++ % hashes.length]!;
      if (!(await limit(() => verify(hash, VERIFY_PASSWORD)))) throw new Error('a verification failed');
      if (windowStart && performance.now() <= windowEnd) verifies += 1;
    }
  };
  await Promise.all(Array.from({ length: maxConcurrent * 2 }, loop));
  const cpu = spent(windowStart ?? snapshot(undefined), snapshot(undefined));
  return { verifies, seconds: cpu.wallMs / 1000, cpuMs: cpu.harnessMs };
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

function judged(pass: boolean, errors = 0): Row['result'] {
  if (errors > 0) return 'ERROR';
  return pass ? 'pass' : 'FAIL';
}

// ---------------------------------------------------------------------------------------------

interface EndpointRequests { discovery: RequestSpec; jwks: RequestSpec; userinfo: RequestSpec; token: RequestSpec }

function endpointRequests(issuer: string, { accessToken, refreshToken }: TokenPair): EndpointRequests {
  const base = plainOrigin(issuer);
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(RP.secret)}`).toString('base64')}`;
  // What a relying party's fetch sends (undici asks for compressed bodies), through the ingress.
  const common = { accept: 'application/json', 'accept-encoding': 'gzip, deflate', ...FORWARDED };
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

async function main(): Promise<number> {
  const began = performance.now();
  const cores = os.cpus().length;
  log(`${SECONDS} s per measurement, +${WARMUP_SECONDS} s warm-up each; node ${process.version}, ${cores} cores`);
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    log('npm run build…');
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const database = new URL(MYSQL_URL).pathname.slice(1);
  log(`emptying the MariaDB database \`${database}\`…`);
  await ensureDatabase(MYSQL_URL);
  await (await freshDatabase({ name: 'mariadb', url: MYSQL_URL })).dataSource.destroy();

  const dir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-bench-'));
  const smtp = new MailCatcher();
  await smtp.start();
  const students: TestStudent[] = Array.from({ length: STUDENTS }, (_, i) => ({
    userId: `b${String(i + 1).padStart(4, '0')}`, password: `Bench-Pass-${i + 1}x`, studentNumber: `26R${String(i + 1).padStart(4, '0')}`, status: 'enrolled',
  }));
  let server: Running | undefined;
  let bare: BareRunning | undefined;
  let load: LoadGenerator | undefined;
  try {
    log(`starting the production server (node ${imageCommand().join(' ')})…`);
    server = await startProductionServer(dir, smtp.url, students);
    forwardHttps([server.issuer]);
    const ourIdleRss = await idleRss(server.pid);
    const target = { url: server.issuer, smtp } as unknown as TestServer;

    log(`first login of ${students.length} students (address + second password)…`);
    const setupLimit = pLimit(4);
    await Promise.all(students.map((student) => setupLimit(() => firstLogin(target, newBrowser(), student, `bench-${student.userId}@example.ac.jp`))));
    // One token pair per load loop, each of another student's logins: a relying party asks with the
    // tokens of its many users, never with one token over and over.
    const tokensOf = async (): Promise<TokenPair[]> => {
      const loginLimit = pLimit(4);
      return Promise.all(Array.from({ length: HTTP_CONCURRENCY }, (_, i) => loginLimit(async () => {
        const student = students[i % students.length]!;
        const login = await fullLogin(target, newBrowser(), student);
        const offline = await fullLogin(target, newBrowser(), student, NEW_SECOND_PASSWORD, { scope: OFFLINE_SCOPE, prompt: 'consent' });
        if (!offline.tokens.refresh_token) throw new Error('no refresh token from our server');
        return { accessToken: login.tokens.access_token, refreshToken: offline.tokens.refresh_token };
      })));
    };
    const first = await tokensOf();
    const claims = await (await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${first[0]!.accessToken}` } })).json() as Record<string, unknown>;
    if (typeof claims.sub !== 'string') throw new Error(`our userinfo answered ${JSON.stringify(claims)}`);

    log('starting the bare oidc-provider (node bench/bare-provider.ts)…');
    const config = productionExampleConfigObject();
    const params = config.passwordHashing;
    const hashOptions = { memoryCost: params.memoryKiB, timeCost: params.timeCost, parallelism: params.parallelism };
    const secondPasswordHash = await nodeRsHash(NEW_SECOND_PASSWORD, hashOptions);
    const bareLogins = await Promise.all(students.map(async (student) => ({
      userId: student.userId, passwordHash: await nodeRsHash(student.password, hashOptions), secondPasswordHash,
    })));
    const bareSetup: Omit<BareProviderSetup, 'port' | 'issuer'> = {
      jwks: JSON.parse(readFileSync(path.join(dir, 'signing-keys.json'), 'utf8')) as BareProviderSetup['jwks'],
      client: { client_id: CLIENT_ID, client_secret: RP.secret, redirect_uri: RP.redirectUri },
      claims,
      scopeClaims: scopeClaims as unknown as Record<string, string[]>,
      scopes: ['openid', 'offline_access', 'email', 'profile', 'enrollment'],
      acrValues: [ACR.password, ACR.twoPasswords],
      loginScope: LOGIN_SCOPE,
      offlineScope: OFFLINE_SCOPE,
      ttl: {
        AccessToken: config.lifetimes.accessTokenSeconds,
        AuthorizationCode: config.lifetimes.authorizationCodeSeconds,
        IdToken: config.lifetimes.idTokenSeconds,
        RefreshToken: config.lifetimes.refreshTokenDays * 86400,
        Grant: config.lifetimes.refreshTokenDays * 86400,
        Interaction: config.lifetimes.interactionMinutes * 60,
        Session: config.lifetimes.sessionIdleMinutes * 60,
      },
      logins: bareLogins,
      tokens: HTTP_CONCURRENCY,
    };
    bare = await startBareProvider({ ...bareSetup, logins: [] });
    const bareIdleRss = await idleRss(bare.pid);
    load = await LoadGenerator.start();
    const generator = load;
    const ours = server;
    const baseline = bare;

    // 1. hashing: the same hashes (one made by each library) through either library.
    // As many in flight as the server's hasher runs (its default when the configuration names none).
    const inFlight = params.maxConcurrent ?? defaultMaxConcurrent();
    const hashes = [await argon2.hash(VERIFY_PASSWORD, { type: argon2.argon2id, ...hashOptions }), await nodeRsHash(VERIFY_PASSWORD, hashOptions)];
    log(`argon2 vs. @node-rs/argon2 (m=${params.memoryKiB},t=${params.timeCost},p=${params.parallelism}, ${inFlight} at once), half before the logins…`);
    // Half before the logins and half after: the reference of hashing's share is then measured
    // around the logins, so that a machine whose speed drifts during the run moves both alike.
    const hashingHalf = () => abbaHashing(
      (seconds) => measureVerifies((hash, password) => argon2.verify(hash, password), hashes, inFlight, seconds),
      (seconds) => measureVerifies((hash, password) => nodeRsVerify(hash, password), hashes, inFlight, seconds),
      SECONDS / 2,
    );
    const hashingBefore = ONLY.has('hashing') ? await hashingHalf() : undefined;

    // 2. logins at saturation.
    const loginTarget = { issuer: ours.issuer, students, secondPassword: NEW_SECOND_PASSWORD, warmupSeconds: WARMUP_SECONDS };
    // MariaDB is shared (other clients' statements cost it CPU too): its rate while nobody here uses it
    // is measured just before, and only what it spends above that rate is counted for the logins.
    // Measured before and after; the lower of the two is subtracted, so that a burst of someone else's
    // statements during one of them does not hide what the logins cost.
    const idleBefore = await databaseIdleRate();
    let logins: Measured | undefined;
    let paced: Measured | undefined;
    let pacedRate = 0;
    if (ONLY.has('logins')) {
      log(`logins at saturation (${LOGIN_CONCURRENCY} concurrent)…`);
      logins = await generator.run({ kind: 'logins', concurrency: LOGIN_CONCURRENCY, seconds: SECONDS, ...loginTarget }, ours.pid);
      // 3. logins at 70 % of it.
      pacedRate = Math.max(0.5, PACED_SHARE * perSecond(logins));
      log(`logins at ${(PACED_SHARE * 100).toFixed(0)} % of saturation (${pacedRate.toFixed(1)}/s)…`);
      paced = await generator.run({ kind: 'paced-logins', perSecond: pacedRate, seconds: SECONDS, ...loginTarget }, ours.pid);
    }
    // 3b. where a login's CPU goes: one login at a time, each request measured alone.
    let steps: Measured | undefined;
    if (ONLY.has('steps')) {
      log('one login at a time, each request measured alone…');
      steps = await generator.run({ kind: 'login-steps', serverPid: ours.pid, databasePid: DATABASE_PID, seconds: SECONDS, ...loginTarget }, ours.pid);
    }
    // 3c. the same logins against a bare provider of their own (no MariaDB: nothing to subtract).
    // Not the endpoints' baseline: its in-memory storage is an LRU of 1,000 entries that the logins'
    // sessions and tokens would fill, pushing out the tokens the endpoints ask with and growing its heap.
    let bareSaturated: Measured | undefined;
    let bareSteps: Measured | undefined;
    if (ONLY.has('bare')) {
      log(`the same logins against a bare provider, at saturation (${LOGIN_CONCURRENCY} concurrent) and one at a time…`);
      const floor = await startBareProvider({ ...bareSetup, tokens: 0 });
      try {
        const bareTarget = { ...loginTarget, issuer: floor.issuer };
        bareSaturated = await generator.run({ kind: 'logins', concurrency: LOGIN_CONCURRENCY, seconds: SECONDS, ...bareTarget }, floor.pid);
        bareSteps = await generator.run({ kind: 'login-steps', serverPid: floor.pid, seconds: SECONDS, ...bareTarget }, floor.pid);
      } finally {
        await floor.stop();
      }
    }
    if (hashingBefore) log('argon2 vs. @node-rs/argon2, the half after the logins…');
    const hashingAfter = hashingBefore ? await hashingHalf() : undefined;
    const [nodeArgon2, nodeRs] = hashingBefore && hashingAfter
      ? [addHashing(hashingBefore[0], hashingAfter[0]), addHashing(hashingBefore[1], hashingAfter[1])]
      : [undefined, undefined];
    const databaseIdle = Math.min(idleBefore, await databaseIdleRate());
    const loginDatabaseMs = logins ? Math.max(0, logins.cpu.databaseMs - databaseIdle * logins.cpu.wallMs) : 0;

    // 4. endpoints; fresh tokens of ours for each (access tokens expire).
    const endpoints: Array<{ name: keyof EndpointRequests; label: string; ours: Measured; bare: Measured }> = [];
    const labels = { discovery: 'discovery req/s', jwks: 'JWKS req/s', userinfo: 'userinfo req/s', token: 'token (refresh_token) req/s' } as const;
    for (const name of (['discovery', 'jwks', 'userinfo', 'token'] as const).filter((phase) => ONLY.has(phase))) {
      log(`${name}: ours vs. bare oidc-provider, ${HTTP_CONCURRENCY} concurrent…`);
      const tokens = endpoints.length ? await tokensOf() : first;
      const oursRequests = tokens.map((pair) => endpointRequests(ours.issuer, pair)[name]);
      const bareRequests = baseline.tokens.map((pair) => endpointRequests(baseline.issuer, pair)[name]);
      const job = (requests: RequestSpec[], seconds: number): Job => ({ kind: 'http', requests, concurrency: HTTP_CONCURRENCY, seconds, warmupSeconds: WARMUP_SECONDS });
      const [oursRun, bareRun] = await abba(
        (seconds) => generator.run(job(oursRequests, seconds), ours.pid),
        (seconds) => generator.run(job(bareRequests, seconds), baseline.pid),
        SECONDS,
      );
      endpoints.push({ name, label: labels[name], ours: oursRun, bare: bareRun });
    }

    // ---- report
    const rows: Row[] = [];
    const verifyRate = (run: HashingRun) => run.verifies / run.seconds;
    const verifyCpuMs = (run: HashingRun) => run.cpuMs / run.verifies;
    if (nodeRs && nodeArgon2) rows.push({
      metric: `argon2id verify/s, @node-rs/argon2 vs. argon2 (same hashes; ${inFlight} at once)`,
      ours: rate(verifyRate(nodeRs)), baseline: `${rate(verifyRate(nodeArgon2))} (argon2)`,
      ratio: (verifyRate(nodeRs) / verifyRate(nodeArgon2)).toFixed(2), target: '(info)', result: 'info',
    });
    const n = Math.max(1, logins?.count ?? 0);
    const serverCpuPerLogin = logins ? (logins.cpu.serverMs + loginDatabaseMs) / n : NaN;
    const hashingPerLogin = nodeRs ? 2 * verifyCpuMs(nodeRs) : NaN;
    const hashingShare = hashingPerLogin / serverCpuPerLogin;
    if (logins) rows.push({
      metric: 'student logins/s at saturation (+ token + userinfo)', ours: rate(perSecond(logins)), baseline: '-', ratio: '-', target: '(info)',
      result: logins.errors ? 'ERROR' : 'info',
    });
    if (logins && nodeRs) rows.push({
      metric: 'hashing share of CPU per login (server + MariaDB)', ours: `${serverCpuPerLogin.toFixed(1)} ms`, baseline: `${hashingPerLogin.toFixed(1)} ms (2 verifies)`,
      ratio: hashingShare.toFixed(2), target: `>= ${TARGET.hashingShare.toFixed(2)}`, result: judged(hashingShare >= TARGET.hashingShare, logins.errors),
    });
    const bareCpuPerLogin = bareSaturated ? bareSaturated.cpu.serverMs / Math.max(1, bareSaturated.count) : NaN;
    if (bareSaturated && nodeRs) rows.push({
      metric: 'the floor: hashing share of CPU per login of the bare provider (same logins, in-memory storage)', ours: `${bareCpuPerLogin.toFixed(1)} ms`,
      baseline: `${hashingPerLogin.toFixed(1)} ms (2 verifies)`, ratio: (hashingPerLogin / bareCpuPerLogin).toFixed(2), target: '(info)',
      result: bareSaturated.errors ? 'ERROR' : 'info',
    });
    const p = (q: number) => percentile(paced?.latenciesMs ?? [], q);
    if (paced) rows.push({
      metric: `login latency at ${(PACED_SHARE * 100).toFixed(0)} % of saturation (${pacedRate.toFixed(1)}/s) p50 / p95 / p99`,
      ours: `${p(50).toFixed(0)} / ${p(95).toFixed(0)} / ${p(99).toFixed(0)} ms`, baseline: `${TARGET.p99Ms} ms (p99 limit)`,
      ratio: (p(99) / TARGET.p99Ms).toFixed(2), target: '< 1.00', result: judged(p(99) < TARGET.p99Ms, paced.errors),
    });
    for (const endpoint of endpoints) {
      const ratio = perSecond(endpoint.ours) / perSecond(endpoint.bare);
      const wanted = TARGET.endpoint[endpoint.name];
      rows.push({
        metric: endpoint.label, ours: rate(perSecond(endpoint.ours), ''), baseline: `${rate(perSecond(endpoint.bare), '')} (bare)`,
        ratio: ratio.toFixed(2), target: `>= ${wanted.toFixed(2)}`, result: judged(ratio >= wanted, endpoint.ours.errors + endpoint.bare.errors),
      });
    }
    rows.push({
      metric: 'RSS idle (MiB)', ours: mib(ourIdleRss).toFixed(0), baseline: `${mib(bareIdleRss).toFixed(0)} (bare)`,
      ratio: (ourIdleRss / bareIdleRss).toFixed(2), target: `<= ${TARGET.idleRssRatio.toFixed(2)}`, result: judged(ourIdleRss <= TARGET.idleRssRatio * bareIdleRss),
    });
    const loginRss = Math.max(logins?.peakRss ?? 0, paced?.peakRss ?? 0);
    if (logins) rows.push({
      metric: 'RSS peak under the login load (MiB)', ours: mib(loginRss).toFixed(0), baseline: `${TARGET.loginRssMiB} (limit)`,
      ratio: (mib(loginRss) / TARGET.loginRssMiB).toFixed(2), target: '<= 1.00', result: judged(mib(loginRss) <= TARGET.loginRssMiB),
    });
    for (const endpoint of endpoints) {
      rows.push({
        metric: `RSS peak under ${endpoint.name} load (MiB)`, ours: mib(endpoint.ours.peakRss).toFixed(0), baseline: `${mib(endpoint.bare.peakRss).toFixed(0)} (bare)`,
        ratio: (endpoint.ours.peakRss / endpoint.bare.peakRss).toFixed(2), target: '(info)', result: 'info',
      });
    }

    const out: string[] = [];
    out.push('', 'cert-idp benchmark (DESIGN.md §7): ratios measured in the same run', '');
    out.push(table(rows), '');
    out.push(`node ${process.version}, ${cores} cores, ${SECONDS} s per measurement (+ ${WARMUP_SECONDS} s warm-up), production build on MariaDB `
      + `(NODE_ENV=production, its own process), bare oidc-provider in its own process, load from a third; ${LOGIN_CONCURRENCY} concurrent logins `
      + `over ${students.length} students, ${HTTP_CONCURRENCY} concurrent HTTP loops.`);
    if (logins) {
      const c = logins.cpu;
      const rest = Math.max(0, c.machineMs - c.serverMs - loginDatabaseMs - logins.loadCpuMs - c.harnessMs);
      out.push(`CPU per login (ms): server ${(c.serverMs / n).toFixed(1)} (event loop ${(c.serverMainMs / n).toFixed(1)}, argon2 and other threads `
      + `${((c.serverMs - c.serverMainMs) / n).toFixed(1)}: libuv's pool ${(c.serverPoolMs / n).toFixed(1)} — argon2, signatures, log writes — and V8's `
      + `${((c.serverMs - c.serverMainMs - c.serverPoolMs) / n).toFixed(1)} — the collector, the compilers), MariaDB ${(loginDatabaseMs / n).toFixed(1)}${DATABASE_PID === undefined ? ' (not found)' : ` (${(c.databaseMs / n).toFixed(1)} measured, less its idle rate of ${(databaseIdle * 1000).toFixed(0)} ms/s)`}, `
      + `load generator ${(logins.loadCpuMs / n).toFixed(1)}, harness ${(c.harnessMs / n).toFixed(1)}, rest of the machine ${(rest / n).toFixed(1)}; `
      + `machine ${(100 * c.machineMs / (c.wallMs * cores)).toFixed(0)} % busy.`);
    }
    if (bareSaturated) {
      const c = bareSaturated.cpu;
      const m = Math.max(1, bareSaturated.count);
      out.push(`CPU per login of the bare provider (ms), ${rate(perSecond(bareSaturated))}: ${(c.serverMs / m).toFixed(1)} (event loop ${(c.serverMainMs / m).toFixed(1)}, `
        + `libuv's pool ${(c.serverPoolMs / m).toFixed(1)}, V8's threads ${((c.serverMs - c.serverMainMs - c.serverPoolMs) / m).toFixed(1)}), load generator ${(bareSaturated.loadCpuMs / m).toFixed(1)}.`);
    }
    if (nodeRs && nodeArgon2) out.push(`CPU per verification (ms): @node-rs/argon2 ${verifyCpuMs(nodeRs).toFixed(1)}, argon2 ${verifyCpuMs(nodeArgon2).toFixed(1)}.`);
    if (steps?.steps?.length) out.push(...stepsReport(steps.steps, databaseIdle));
    if (bareSteps?.steps?.length) out.push(...stepsReport(bareSteps.steps, 0, 'the bare provider'));
    const token = endpoints.find((e) => e.name === 'token');
    if (token && token.ours.count > 0) {
      // Keycloak's sizing guide speaks of requests per vCPU: the same unit, from the CPU measured here.
      const tokenDatabaseMs = Math.max(0, token.ours.cpu.databaseMs - databaseIdle * token.ours.cpu.wallMs);
      const refreshCpuMs = (token.ours.cpu.serverMs + tokenDatabaseMs) / token.ours.count;
      out.push(`Per vCPU of server + MariaDB: ${logins ? `${(1000 / serverCpuPerLogin).toFixed(1)} complete logins/s, ` : ''}${(1000 / refreshCpuMs).toFixed(0)} refresh-token requests/s `
        + `(CPU per refresh ${refreshCpuMs.toFixed(2)} ms).`);
    }
    for (const endpoint of endpoints) {
      const share = (ms: number, m: Measured) => `${(100 * ms / m.cpu.wallMs).toFixed(0)} %`;
      const perRequest = (ms: number, m: Measured) => `${((1000 * ms) / Math.max(1, m.count)).toFixed(0)} µs/request`;
      const busy = (m: Measured) => `server ${share(m.cpu.serverMs, m)} (${perRequest(m.cpu.serverMs, m)}), load generator ${share(m.loadCpuMs, m)}, MariaDB ${share(m.cpu.databaseMs, m)} (${perRequest(m.cpu.databaseMs, m)})`;
      out.push(`${endpoint.name} CPU (of one core): ours ${busy(endpoint.ours)}; bare ${busy(endpoint.bare)}.`);
    }
    const failures = [
      ...(logins && paced ? [['logins', logins] as const, ['paced logins', paced] as const] : []),
      ...(steps ? [['logins one at a time', steps] as const] : []),
      ...(bareSaturated && bareSteps ? [['logins (bare)', bareSaturated] as const, ['logins one at a time (bare)', bareSteps] as const] : []),
      ...endpoints.flatMap((e) => [[`${e.name} (ours)`, e.ours] as const, [`${e.name} (bare)`, e.bare] as const]),
    ].filter(([, m]) => m.errors > 0);
    for (const [what, m] of failures) out.push(`errors in ${what}: ${m.errors}, the first: ${m.firstError}`);
    out.push(`total ${((performance.now() - began) / 1000).toFixed(0)} s`, '');
    const missed = rows.filter((row) => row.result === 'FAIL' || row.result === 'ERROR');
    if (ONLY.size < PHASES.length) out.push(`BENCH_ONLY=${[...ONLY].join(',')}: the other targets were not measured`);
    out.push(missed.length ? `${missed.length} target(s) missed: ${missed.map((row) => row.metric).join('; ')}` : 'all measured targets met', '');
    process.stdout.write(out.join('\n'));
    return CHECK && missed.length ? 1 : 0;
  } finally {
    await load?.stop();
    await bare?.stop();
    await server?.stop();
    await smtp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The CPU of each request of a login, measured one login at a time (no request shares the server
 * with another): the server's event loop and its other threads (argon2, the collector, WebCrypto's
 * signatures), and MariaDB less its idle rate. Without contention and without the batching that
 * concurrency brings, these are higher than a login's share at saturation; they tell where it goes.
 */
function stepsReport(unordered: StepCost[], databaseIdlePerMs: number, of = 'ours'): string[] {
  const flow = ['GET /auth', 'GET /interaction/:uid', 'POST /interaction/:uid/login', 'GET /auth/:uid', 'POST /token', 'GET /me'];
  const place = (cost: StepCost) => (flow.includes(cost.step) ? flow.indexOf(cost.step) : flow.length);
  const costs = [...unordered].sort((a, b) => place(a) - place(b));
  const logins = Math.max(1, ...costs.map((cost) => cost.count));
  const lines = [...costs, { step: 'per login', count: logins, serverMainMs: 0, serverOtherMs: 0, databaseMs: 0 }].map((cost, i) => {
    const total = i === costs.length;
    const pick = (field: 'serverMainMs' | 'serverOtherMs' | 'databaseMs') => (total
      ? costs.reduce((sum, c) => sum + c[field], 0) / logins
      : cost[field] / Math.max(1, cost.count)).toFixed(2);
    return [total ? cost.step : `${cost.step} (${cost.count})`, pick('serverMainMs'), pick('serverOtherMs'), pick('databaseMs')];
  });
  const header = ['request (count)', 'event loop', 'other threads', 'MariaDB'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    '', `One login at a time (${of}), CPU per request (ms) of the server's event loop and other threads (argon2, the collector, signatures) and of MariaDB (its idle rate here, ${(databaseIdlePerMs * 1000).toFixed(0)} ms/s, not subtracted):`,
    row(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(row), '',
  ];
}

/** A B B A for the two hashing libraries (halves added up, as abba() does for loads). */
function addHashing(x: HashingRun, y: HashingRun): HashingRun {
  return { verifies: x.verifies + y.verifies, seconds: x.seconds + y.seconds, cpuMs: x.cpuMs + y.cpuMs };
}

async function abbaHashing(a: (seconds: number) => Promise<HashingRun>, b: (seconds: number) => Promise<HashingRun>, seconds: number): Promise<[HashingRun, HashingRun]> {
  const half = seconds / 2;
  const a1 = await a(half);
  const b1 = await b(half);
  const b2 = await b(half);
  const a2 = await a(half);
  return [addHashing(a1, a2), addHashing(b1, b2)];
}

/** The parts of config/production.example.yaml the benchmark reads (lifetimes, hashing). */
function productionExampleConfigObject(): { lifetimes: Record<string, number> & { accessTokenSeconds: number; authorizationCodeSeconds: number; idTokenSeconds: number; refreshTokenDays: number; interactionMinutes: number; sessionIdleMinutes: number }; passwordHashing: { memoryKiB: number; timeCost: number; parallelism: number; maxConcurrent?: number } } {
  let parsed: ReturnType<typeof productionExampleConfigObject> | undefined;
  productionExampleConfig((config) => { parsed = config as ReturnType<typeof productionExampleConfigObject>; });
  return parsed!;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  },
);
