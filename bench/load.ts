// The benchmark's load generator. It runs in a child process (forked by bench/run.ts) so that the
// client's own work — HTML parsing, openid-client, fetch — runs neither in the server's process nor
// in the harness; it still shares the machine's cores, and run.ts reports how much CPU it used.
import './env.js';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { submitLogin } from '../test/support/flows.js';
import { beginAuthorization, exchangeCode, newBrowser, oidc, relyingParty, RP, type TestServer, type TestStudent } from '../test/support/harness.js';
import { forwardHttps } from './forwarding.js';
import type { FromLoad, Job, JobResult, RequestSpec, StepCost, ToLoad } from './protocol.js';

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

/** CPU time of a process's threads so far, ns: its main thread (the event loop) and all the others. */
function threadsNs(pid: number): { main: number; other: number } {
  let main = 0;
  let other = 0;
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { main, other }; // gone, or not ours to read
  }
  for (const tid of tids) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      if (tid === String(pid)) main += ns;
      else other += ns;
    } catch {
      // the thread ended
    }
  }
  return { main, other };
}

/**
 * Wraps this process's fetch so that every request of a login is measured on its own: the server's
 * and the database's CPU between sending it and reading the answer to its end. Only meaningful with
 * one login at a time and nothing else sent to the server (the login-steps job).
 */
function measureEachRequest(serverPid: number, databasePid: number | undefined, counting: () => boolean): () => StepCost[] {
  const costs = new Map<string, StepCost>();
  const original = globalThis.fetch;
  const database = () => (databasePid === undefined ? 0 : Object.values(threadsNs(databasePid)).reduce((a, b) => a + b, 0));
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const step = `${method} ${url.pathname.replace(/^\/(interaction|auth)\/[^/]+/, '/$1/:uid')}`;
    const server0 = threadsNs(serverPid);
    const database0 = database();
    const response = await original(input, init);
    const body = await response.arrayBuffer();
    const server1 = threadsNs(serverPid);
    const database1 = database();
    if (counting()) {
      const cost = costs.get(step) ?? { step, count: 0, serverMainMs: 0, serverOtherMs: 0, databaseMs: 0 };
      cost.count += 1;
      cost.serverMainMs += (server1.main - server0.main) / 1e6;
      cost.serverOtherMs += (server1.other - server0.other) / 1e6;
      cost.databaseMs += (database1 - database0) / 1e6;
      costs.set(step, cost);
    }
    // A 204 or 304 may carry no body at all, not even an empty one.
    const bodyless = [101, 103, 204, 205, 304].includes(response.status);
    return new Response(bodyless ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return () => {
    globalThis.fetch = original;
    return [...costs.values()];
  };
}

async function operationOf(job: Job, counting: () => boolean): Promise<{ operation: Operation; done(): StepCost[] | undefined }> {
  if (job.kind === 'http') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
    const { requests } = job;
    return { operation: (loop) => httpOnce(agent, requests[loop % requests.length]!), done: () => { agent.destroy(); return undefined; } };
  }
  forwardHttps([job.issuer]);
  const client = await relyingParty({ url: job.issuer } as TestServer);
  // After the relying party read the discovery document: only the logins' own requests are measured.
  const steps = job.kind === 'login-steps' ? measureEachRequest(job.serverPid, job.databasePid, counting) : undefined;
  const { students, secondPassword } = job;
  let next = 0;
  // Students in turn, so that one account rarely has two logins under way (its throttle key).
  return { operation: () => loginOnce(client, students[next++ % students.length]!, secondPassword), done: () => steps?.() };
}

/**
 * Operations started by `concurrency` closed loops, or at a fixed rate; only operations that complete
 * inside the measured window count. Nothing new starts once the window has ended, so a job always ends.
 */
async function run(job: Job): Promise<JobResult> {
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.NEGATIVE_INFINITY;
  const inWindow = () => {
    const now = performance.now();
    return now >= windowStart && now <= windowEnd;
  };
  const { operation, done } = await operationOf(job, inWindow);
  const start = performance.now();
  windowStart = start + job.warmupSeconds * 1000;
  windowEnd = windowStart + job.seconds * 1000;
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
    await Promise.all(Array.from({ length: job.kind === 'login-steps' ? 1 : job.concurrency }, (_, index) => loop(index)));
  }
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  const steps = done();
  if (!cpuInWindow && cpuAtStart) cpuInWindow = cpuMs(cpuAtStart);
  latenciesMs.sort((a, b) => a - b);
  return { count, errors, firstError, seconds: job.seconds, cpuMs: cpuInWindow, latenciesMs, steps };
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
