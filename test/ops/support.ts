// Support for the deployment tests: real server processes, a switchable reverse proxy in front of
// them (the "Service"), a TCP gate in front of MariaDB (to take the database away), key sets.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import argon2 from 'argon2';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { stringify as toYaml, parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { freePort } from '../support/harness.js';
import { metricValue } from '../support/metrics.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A new RS256 private key as a JWK (what `npm run generate-keys` prints). */
export async function signingKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg: 'RS256', use: 'sig', kid: await calculateJwkThumbprint(jwk) };
}

export function cookieKey(): string {
  return randomBytes(32).toString('base64url');
}

export function documentKey(): string {
  return randomBytes(32).toString('base64');
}

export interface DirectoryStudent { userId: string; password: string; hash?: string }

/** A `file` directory with the given students (argon2id; `hash` may be given to share an expensive one). */
export async function writeDirectoryFile(file: string, students: DirectoryStudent[]): Promise<void> {
  const entries = [];
  for (const [i, s] of students.entries()) {
    entries.push({
      user_id: s.userId,
      password_hash: s.hash ?? await argon2.hash(s.password, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }),
      name: { family: '運用', given: `${i + 1}郎` },
      student_number: `26R${String(i + 1).padStart(4, '0')}`,
      university: 'サンプル大学',
      faculty: '文学部',
      department: '日本文学科',
      status: 'enrolled',
    });
  }
  await writeFile(file, toYaml({ students: entries }));
}

/** config/production.example.yaml with test changes applied (the example itself is what operators copy). */
export function productionExampleConfig(change: (config: Record<string, any>) => void): string {
  const config = parseYaml(readFileSync(path.join(ROOT, 'config/production.example.yaml'), 'utf8')) as Record<string, any>;
  change(config);
  return toYaml(config);
}

/**
 * A server process (`node --import tsx src/server.ts`, or the given command: node's arguments, or another
 * `executable` such as npm, in a process group of its own with `group`), its JSON log lines kept.
 */
export class ServerProcess {
  readonly lines: string[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly metricsPort: number,
    private env: Record<string, string>,
    private readonly command: { cwd: string; args: string[]; executable?: string; group?: boolean } = { cwd: ROOT, args: ['--import', 'tsx', 'src/server.ts'] },
  ) {}

  private groupId: number | undefined;

  get url(): string { return `http://127.0.0.1:${this.port}`; }
  get metricsUrl(): string { return `http://127.0.0.1:${this.metricsPort}`; }
  get running(): boolean { return this.child !== undefined; }

  setEnv(changes: Record<string, string>): void {
    this.env = { ...this.env, ...changes };
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(this.command.executable ?? process.execPath, this.command.args, {
      cwd: this.command.cwd,
      detached: this.command.group ?? false,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...this.env, PORT: String(this.port), METRICS_PORT: String(this.metricsPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    if (this.command.group) this.groupId = child.pid;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let buffer = '';
    const collect = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) this.lines.push(line);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const exitedEarly = await Promise.race([this.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 150))]);
      if (exitedEarly) throw new Error(`${this.name} exited during start:\n${this.lines.slice(-20).join('\n')}`);
      try {
        const response = await fetch(`${this.url}/readyz`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.lines.slice(-20).join('\n')}`);
    }
  }

  /** SIGTERM, as Kubernetes stops a pod; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.child) return null;
    this.child.kill('SIGTERM');
    return this.waitForExit();
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** SIGKILL to every process left in its group (a `group` command), e.g. a server its script left behind. */
  killGroup(): void {
    if (this.groupId === undefined) return;
    try {
      process.kill(-this.groupId, 'SIGKILL');
    } catch {
      // nothing left
    }
  }

  async waitForExit(timeoutMs = 30_000): Promise<number | null> {
    if (!this.child || !this.exited) return null;
    const child = this.child;
    const code = await Promise.race([this.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs))]);
    if (code === 'timeout') {
      child.kill('SIGKILL');
      throw new Error(`${this.name} did not exit within ${timeoutMs} ms`);
    }
    this.child = undefined;
    return code;
  }

  /** The parsed JSON log lines (anything else — e.g. npm's notices — is returned as { raw }). */
  json(): Array<Record<string, unknown>> {
    return this.lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { raw: line };
      }
    });
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`${this.metricsUrl}/metrics`)).text();
    return metricValue(text, name, labels);
  }
}

/**
 * The load balancer in front of the replicas: every request goes to `target` (a port), with the
 * Host header kept, so the issuer URL is the proxy's. A new upstream connection per request, so a
 * stopped replica is never reused.
 */
export async function switchProxy(): Promise<{ url: string; target: number; close(): Promise<void> }> {
  const port = await freePort();
  const state = { url: `http://127.0.0.1:${port}`, target: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    const upstream = http.request({
      host: '127.0.0.1', port: state.target, method: req.method, path: req.url, headers: req.headers, agent: false,
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  state.close = () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
  return state;
}

/** A TCP forwarder to the database that can be taken down (connections cut, port closed) and back up. */
export class TcpGate {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly targetHost: string, private readonly targetPort: number) {}

  async up(): Promise<void> {
    if (this.server) return;
    if (!this.port) this.port = await freePort();
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Polls until `check` holds (or throws after timeoutMs). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
