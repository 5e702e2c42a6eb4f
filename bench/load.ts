// The benchmark's load generator. It runs in a child process (forked by bench/run.ts) so that the
// client's own work — HTML parsing, openid-client, fetch — runs neither in the server's process nor
// in the harness; it still shares the machine's cores, and run.ts reports how much CPU it used.
import './env.js';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { submitLogin } from '../test/support/flows.js';
import { beginAuthorization, exchangeCode, newBrowser, oidc, relyingParty, RP, type TestServer, type TestStudent } from '../test/support/harness.js';
import { forwardHttps } from './forwarding.js';
import type { FromLoad, Job, JobResult, RequestSpec, ToLoad } from './protocol.js';

function send(message: FromLoad): void {
  process.send?.(message);
}

/**
 * One request through node:http with a keep-alive agent (it costs the client about half of what
 * fetch does, so the load generator is less often the bottleneck of the faster server).
 */
function httpOnce(agent: http.Agent, request: RequestSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(request.url, { method: request.method, headers: request.headers, agent }, (response) => {
      response.on('data', () => {});
      response.on('error', reject);
      response.on('end', () => {
        if (response.statusCode === 200) resolve();
        else reject(new Error(`${request.method} ${new URL(request.url).pathname} answered ${response.statusCode}`));
      });
    });
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/**
 * authorize → login form (GET, then POST with the three values) → code → token → userinfo, as the
 * certificate app and a browser would. The relying party's configuration (discovery) is read once per
 * job, as a relying party caches it.
 */
async function loginOnce(client: oidc.Configuration, student: TestStudent, secondPassword: string): Promise<void> {
  const attempt = await beginAuthorization(client);
  const browser = newBrowser();
  const page = await browser.get(attempt.url, RP.redirectUri);
  const callback = await submitLogin(browser, page, student, secondPassword);
  const tokens = await exchangeCode(attempt, callback);
  const sub = tokens.claims()?.sub;
  if (!sub) throw new Error('no ID token subject');
  const userinfo = await oidc.fetchUserInfo(client, tokens.access_token, sub);
  if (userinfo.sub !== sub) throw new Error('userinfo subject differs from the ID token');
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

type Operation = (loop: number) => Promise<void>;

async function operationOf(job: Job): Promise<{ operation: Operation; done(): void }> {
  if (job.kind === 'http') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
    return { operation: () => httpOnce(agent, job.request), done: () => agent.destroy() };
  }
  forwardHttps([job.issuer]);
  const client = await relyingParty({ url: job.issuer } as TestServer);
  const { students, secondPassword } = job;
  let next = 0;
  // Students in turn, so that one account rarely has two logins under way (its throttle key).
  return { operation: () => loginOnce(client, students[next++ % students.length]!, secondPassword), done: () => {} };
}

/**
 * Operations started by `concurrency` closed loops, or at a fixed rate; only operations that complete
 * inside the measured window count. Nothing new starts once the window has ended, so a job always ends.
 */
async function run(job: Job): Promise<JobResult> {
  const { operation, done } = await operationOf(job);
  const start = performance.now();
  const windowStart = start + job.warmupSeconds * 1000;
  const windowEnd = windowStart + job.seconds * 1000;
  let count = 0;
  let errors = 0;
  let firstError: string | undefined;
  const latenciesMs: number[] = [];
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let cpuInWindow = 0;
  let windowOpen = false;
  const openWindow = () => {
    if (windowOpen) return;
    windowOpen = true;
    cpuAtStart = process.cpuUsage();
    send({ type: 'window', at: 'start' });
  };
  const startTimer = setTimeout(openWindow, Math.max(0, windowStart - performance.now()));
  const endTimer = setTimeout(() => {
    openWindow();
    cpuInWindow = cpuMs(cpuAtStart!);
    send({ type: 'window', at: 'end' });
  }, Math.max(0, windowEnd - performance.now()));

  const once = async (loop: number) => {
    const began = performance.now();
    let failed: unknown;
    try {
      await operation(loop);
    } catch (error) {
      failed = error;
    }
    const now = performance.now();
    if (now < windowStart || now > windowEnd) return;
    if (failed === undefined) {
      count += 1;
      latenciesMs.push(now - began);
    } else {
      errors += 1;
      firstError ??= (failed as Error).message?.split('\n')[0] ?? String(failed);
    }
  };

  if (job.kind === 'paced-logins') {
    // Open loop: one login every 1/perSecond s, on a schedule that does not wait for the answers.
    const intervalMs = 1000 / job.perSecond;
    const underWay: Array<Promise<void>> = [];
    for (let i = 0; ; i += 1) {
      const due = start + i * intervalMs;
      if (due >= windowEnd) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      underWay.push(once(i));
    }
    await Promise.all(underWay);
  } else {
    const loop = async (index: number) => {
      while (performance.now() < windowEnd) await once(index);
    };
    await Promise.all(Array.from({ length: job.concurrency }, (_, index) => loop(index)));
  }
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  done();
  if (!cpuInWindow && cpuAtStart) cpuInWindow = cpuMs(cpuAtStart);
  latenciesMs.sort((a, b) => a - b);
  return { count, errors, firstError, seconds: job.seconds, cpuMs: cpuInWindow, latenciesMs };
}

process.on('message', (message: ToLoad) => {
  if (message.type === 'exit') process.exit(0);
  run(message.job).then(
    (result) => send({ type: 'result', result }),
    (error: unknown) => send({ type: 'failed', message: (error as Error).stack ?? String(error) }),
  );
});
// Never outlive the benchmark that started it.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
