// SIGTERM as load balancers and operators meet it, with real server processes: for SHUTDOWN_DRAIN_SECONDS
// the server answers /readyz unready and still serves, so that a load balancer that only follows health
// checks (not a Kubernetes Service) takes it out before the listener closes; and the npm start scripts
// hand the signal to the server (the README's `kill -TERM` of a `npm start &`).
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { freePort } from '../support/harness.js';
import { eventually, ROOT, ServerProcess, tempDir } from './support.js';

const PAGE = '/.well-known/openid-configuration';

/** GET through a new connection: the status, or 0 when the connection is refused or reset. */
function statusOf(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: 5000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', () => resolve(0));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/**
 * A load balancer as found outside Kubernetes: round robin over the backends it considers healthy,
 * checking each one's /readyz every `intervalMs`; a request that cannot reach its backend is a 502.
 */
async function roundRobinProxy(backends: ServerProcess[], intervalMs: number) {
  const port = await freePort();
  const healthy = new Set(backends);
  let next = 0;
  const check = setInterval(() => {
    for (const backend of backends) {
      void statusOf(`${backend.url}/readyz`).then((status) => (status === 200 ? healthy.add(backend) : healthy.delete(backend)));
    }
  }, intervalMs);
  const server = http.createServer((req, res) => {
    const pool = backends.filter((b) => healthy.has(b));
    const backend = pool[next++ % Math.max(pool.length, 1)];
    if (!backend) {
      res.writeHead(503).end();
      return;
    }
    const upstream = http.request({ host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-backend': backend.name });
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'x-backend': backend.name });
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      clearInterval(check);
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

describe('SIGTERM: unready first, still serving for the drain delay, then closed', function () {
  this.timeout(120_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const started: ServerProcess[] = [];

  async function server(name: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    const replica = new ServerProcess(name, await freePort(), await freePort(), { DATA_DIR: path.join(tmp.dir, name), ...env });
    started.push(replica);
    await replica.start();
    return replica;
  }

  before(async () => { tmp = await tempDir('cert-idp-shutdown-'); });
  after(async () => {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
    for (const s of started) s.killGroup();
    await tmp?.remove();
  });

  it('answers /readyz 503 and serves requests for SHUTDOWN_DRAIN_SECONDS, then refuses connections and exits 0', async () => {
    const replica = await server('drain', { SHUTDOWN_DRAIN_SECONDS: '3' });
    expect(await statusOf(`${replica.url}${PAGE}`)).to.equal(200);
    const sent = Date.now();
    replica.signal('SIGTERM');
    // The same signal again at once (npm passes on what a terminal also sent the server): still the one shutdown.
    setTimeout(() => replica.signal('SIGTERM'), 100);
    await eventually(async () => {
      const ready = await fetch(`${replica.url}/readyz`);
      return ready.status === 503 && ((await ready.json()) as { reason: string }).reason === 'shutting-down';
    }, 1000, 'unready at once');

    const served: number[] = [];
    let refusedAt: number | undefined;
    while (Date.now() - sent < 10_000) {
      const status = await statusOf(`${replica.url}${PAGE}`);
      if (status === 0) {
        refusedAt = Date.now() - sent;
        break;
      }
      expect(status, 'a request during the drain').to.equal(200);
      served.push(Date.now() - sent);
      // The metrics listener closes right after the main one: a request served at the very end of the drain
      // can be followed by a refused probe, which is the same moment of closing seen one step later.
      const ready = await statusOf(`${replica.metricsUrl}/readyz`);
      if (ready === 0) {
        refusedAt = Date.now() - sent;
        break;
      }
      expect(ready, 'unready throughout').to.equal(503);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(served.length, 'requests served after SIGTERM').to.be.above(10);
    expect(Math.max(...served), 'still serving near the end of the drain delay').to.be.at.least(2500);
    expect(refusedAt, 'the listener closes after the drain delay').to.be.within(2900, 6000);
    expect(await replica.waitForExit(), 'exit code').to.equal(0);
    const log = replica.json().map((l) => l.msg);
    expect(log).to.include('unready: still serving while load balancers take this instance out');
    expect(log.filter((m) => m === 'shutting down: finishing the requests under way')).to.have.length(1);
    expect(log.at(-1)).to.equal('stopped');
  });

  it('behind a round-robin proxy that follows /readyz, no request fails while a replica stops', async () => {
    const a = await server('rr-a', { SHUTDOWN_DRAIN_SECONDS: '2' });
    const b = await server('rr-b', { SHUTDOWN_DRAIN_SECONDS: '2' });
    const proxy = await roundRobinProxy([a, b], 500);
    try {
      const outcomes: Array<{ at: number; status: number; backend: string | null }> = [];
      let running = true;
      const load = Array.from({ length: 4 }, async () => {
        while (running) {
          try {
            const response = await fetch(`${proxy.url}${PAGE}`, { signal: AbortSignal.timeout(5000) });
            await response.arrayBuffer();
            outcomes.push({ at: Date.now(), status: response.status, backend: response.headers.get('x-backend') });
          } catch {
            outcomes.push({ at: Date.now(), status: 0, backend: null });
          }
        }
      });
      await new Promise((r) => setTimeout(r, 500));
      const sent = Date.now();
      a.signal('SIGTERM');
      expect(await a.waitForExit(), 'A exits cleanly').to.equal(0);
      await new Promise((r) => setTimeout(r, 500));
      running = false;
      await Promise.all(load);
      const failed = outcomes.filter((o) => o.status !== 200);
      expect(failed, `failed requests: ${JSON.stringify(failed.slice(0, 5))}`).to.deep.equal([]);
      expect(outcomes.some((o) => o.backend === a.name && o.at > sent), 'A answered after its SIGTERM').to.equal(true);
      expect(outcomes.filter((o) => o.at > sent + 1000).every((o) => o.backend === b.name), 'the proxy took A out once it was unready').to.equal(true);
    } finally {
      await proxy.close();
    }
  });

  it('`npm start` stops the server on SIGTERM sent to npm (`kill -TERM` of `npm start &`)', async () => {
    const npm = new ServerProcess('npm start', await freePort(), await freePort(), { DATA_DIR: path.join(tmp.dir, 'npm-start') }, {
      cwd: ROOT, executable: 'npm', args: ['start'], group: true,
    });
    started.push(npm);
    await npm.start(60_000);
    expect(await npm.stop(), 'npm exits with the server\'s exit code').to.equal(0);
    expect(await statusOf(`${npm.url}/healthz`), 'the server is gone').to.equal(0);
    expect(npm.json().map((l) => l.msg)).to.include('stopped');
  });

  it('`npm run start:prod` hands SIGTERM to `node dist/src/server.js`', async () => {
    // The real package.json; a stand-in for the build that answers probes and reports the signal.
    const app = path.join(tmp.dir, 'app');
    await mkdir(path.join(app, 'dist/src'), { recursive: true });
    await copyFile(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
    await writeFile(path.join(app, 'dist/src/server.js'), [
      "import http from 'node:http';",
      "const server = http.createServer((req, res) => res.end('{}')).listen(Number(process.env.PORT), '127.0.0.1');",
      "process.on('SIGTERM', () => { console.log('stopped'); server.close(() => process.exit(0)); server.closeAllConnections(); });",
    ].join('\n'));
    const npm = new ServerProcess('npm run start:prod', await freePort(), await freePort(), {}, { cwd: app, executable: 'npm', args: ['run', 'start:prod'], group: true });
    started.push(npm);
    await npm.start();
    expect(await npm.stop()).to.equal(0);
    expect(await statusOf(`${npm.url}/healthz`), 'the server is gone').to.equal(0);
    expect(npm.lines).to.include('stopped');
  });
});
