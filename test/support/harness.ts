import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import argon2 from 'argon2';
import { stringify as toYaml } from 'yaml';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { loadConfig } from '../../src/config/load.js';
import type { AppConfig, ClientConfig } from '../../src/config/types.js';
import { createDataSource, type Database } from '../../src/db/data-source.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { Services } from '../../src/services.js';
import { HttpBrowser, type Page } from './browser.js';
import { MailCatcher } from './smtp.js';

export interface DatabaseTarget { name: 'sqlite' | 'mariadb'; url?: string }

const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** Every suite that touches storage runs against both databases (TEST_DATABASES=sqlite narrows it). */
export const DATABASES: DatabaseTarget[] = ([
  { name: 'mariadb', url: MYSQL_URL },
  { name: 'sqlite' },
] as DatabaseTarget[]).filter((db) => (process.env.TEST_DATABASES ?? 'mariadb,sqlite').split(',').includes(db.name));

export const RP = {
  redirectUri: 'https://rp.example.test/callback',
  postLogoutUri: 'https://rp.example.test/logged-out',
  secret: 'test-rp-secret-0123456789abcdefghijklmnop',
};

export function testClients(): ClientConfig[] {
  return [
    {
      client_id: 'test-rp', client_name: 'Test RP', client_secret: RP.secret, token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [RP.redirectUri], post_logout_redirect_uris: [RP.postLogoutUri], first_party: true,
    },
    {
      client_id: 'test-rp-post', client_secret: RP.secret, token_endpoint_auth_method: 'client_secret_post',
      redirect_uris: [RP.redirectUri], first_party: true,
    },
    {
      client_id: 'public-app', token_endpoint_auth_method: 'none', redirect_uris: [RP.redirectUri], first_party: true,
    },
    {
      client_id: 'third-party', client_name: 'Third Party App', client_secret: RP.secret, token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [RP.redirectUri],
    },
    {
      client_id: 'resource-server', client_secret: RP.secret, token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: ['https://api.example.test/unused'], may_introspect: true,
    },
  ];
}

const handedOut = new Set<number>();

/**
 * A loopback port nobody listens on. A port is handed out once per process: a test that reserves
 * one and starts its listener later must not see it handed to the next server in the meantime.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const { port: found } = probe.address() as { port: number };
        probe.close(() => resolve(found));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** An empty database of the target kind (MariaDB's test database is wiped first). */
export async function freshDatabase(target: DatabaseTarget): Promise<Database> {
  const database = createDataSource({ url: target.url });
  try {
    await database.dataSource.initialize();
  } catch (error) {
    throw new Error(`cannot reach ${target.name} at ${target.url}: ${(error as Error).message}. Start MariaDB, or run with TEST_DATABASES=sqlite.`);
  }
  if (target.name === 'mariadb') await database.dataSource.dropDatabase();
  return database;
}

export interface TestStudent { userId: string; password: string; studentNumber: string; status: string }

/** A directory file of test students (one per test, so tests do not share accounts). */
async function writeDirectory(dataDir: string, count: number): Promise<{ file: string; students: TestStudent[] }> {
  const students: TestStudent[] = [];
  const entries = [];
  for (let i = 1; i <= count; i += 1) {
    const status = i === count ? 'withdrawn' : 'enrolled';
    const student = { userId: `t${String(i).padStart(4, '0')}`, password: `Univ-Pass-${i}x`, studentNumber: `26T${String(i).padStart(4, '0')}`, status };
    students.push(student);
    entries.push({
      user_id: student.userId,
      password_hash: await argon2.hash(student.password, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }),
      name: { family: '試験', given: `${i}郎` },
      name_kana: { family: 'シケン', given: `${i}ロウ` },
      name_latin: { family: 'SHIKEN', given: `Taro${i}` },
      student_number: student.studentNumber,
      university: 'サンプル大学',
      faculty: '文学部',
      department: '日本文学科',
      status,
    });
  }
  const file = path.join(dataDir, 'students.yaml');
  await writeFile(file, toYaml({ students: entries }));
  return { file, students };
}

export interface TestServer {
  url: string;
  /** Enrolled test students; the last one of the list is withdrawn (cannot sign in). */
  students: TestStudent[];
  config: AppConfig;
  services: Services;
  smtp: MailCatcher;
  running: RunningServer;
  stop(): Promise<void>;
}

/** The real server on a loopback port, with the real database and a real SMTP listener. */
export async function startTestServer(target: DatabaseTarget, configure: (config: AppConfig) => void = () => {}): Promise<TestServer> {
  const port = await freePort();
  const smtp = new MailCatcher();
  await smtp.start();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-test-'));
  const config = loadConfig({
    CONFIG_FILE: path.resolve('config/cert-idp.yaml'),
    ISSUER: `http://127.0.0.1:${port}`,
    PORT: String(port),
    DATA_DIR: dataDir,
    SMTP_URL: smtp.url,
    ...(target.url ? { DATABASE_URL: target.url } : {}),
  });
  const directory = await writeDirectory(dataDir, 20);
  config.directoryFilePath = directory.file;
  config.clients = testClients();
  config.mail.pollSeconds = 0.5;
  configure(config);
  const database = await freshDatabase(target);
  const running = await startServer(config, { database });
  return {
    url: config.issuer,
    students: directory.students,
    config,
    services: running.services,
    smtp,
    running,
    async stop() {
      await running.stop();
      await database.dataSource.destroy();
      await smtp.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface AuthorizationAttempt {
  client: oidc.Configuration;
  url: string;
  state: string;
  nonce: string;
  verifier: string;
}

/** openid-client as the relying party. */
export async function relyingParty(server: TestServer, clientId = 'test-rp', method: 'basic' | 'post' | 'none' = 'basic'): Promise<oidc.Configuration> {
  const auth = method === 'basic' ? oidc.ClientSecretBasic(RP.secret) : method === 'post' ? oidc.ClientSecretPost(RP.secret) : oidc.None();
  return oidc.discovery(new URL(server.url), clientId, method === 'none' ? undefined : RP.secret, auth, { execute: [oidc.allowInsecureRequests] });
}

/**
 * An authorization request as the certificate app sends it: the student login is pre-selected
 * (login_type=student) unless `extra` says otherwise; an empty value drops a parameter.
 */
export async function beginAuthorization(client: oidc.Configuration, extra: Record<string, string> = {}): Promise<AuthorizationAttempt> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const params: Record<string, string> = {
    redirect_uri: RP.redirectUri,
    scope: 'openid email profile enrollment',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    login_type: 'student',
    ...extra,
  };
  for (const [key, value] of Object.entries(params)) if (value === '') delete params[key];
  const url = oidc.buildAuthorizationUrl(client, params);
  return { client, url: url.toString(), state, nonce, verifier };
}

export async function exchangeCode(attempt: AuthorizationAttempt, callback: Page | string) {
  const location = typeof callback === 'string' ? callback : callback.location;
  if (!location?.startsWith(RP.redirectUri)) {
    throw new Error(`expected a redirect to the client, got ${typeof callback === 'string' ? callback : `${callback.status} ${callback.url}\n${callback.html.slice(0, 1500)}`}`);
  }
  return oidc.authorizationCodeGrant(attempt.client, new URL(location), {
    pkceCodeVerifier: attempt.verifier, expectedState: attempt.state, expectedNonce: attempt.nonce,
  });
}

export function newBrowser(lang?: 'ja' | 'en'): HttpBrowser {
  return new HttpBrowser({ headers: lang ? { 'accept-language': lang } : {} });
}

export { oidc };
