// The benchmark's load generator. It runs in a child process (forked by bench/run.ts) so that the
// client's own work — HTML parsing, openid-client, fetch — does not share the server's event loop;
// it still shares the machine's cores, and run.ts reports how much CPU it used.
import './env.js';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { fullLogin } from '../test/support/flows.js';
import { newBrowser, oidc, type TestServer, type TestStudent } from '../test/support/harness.js';
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

/** authorize → login form POST → code → token (fullLogin), then userinfo, as a relying party would. */
async function loginOnce(target: TestServer, student: TestStudent, secondPassword: string): Promise<void> {
  const { attempt, tokens } = await fullLogin(target, newBrowser(), student, secondPassword);
  const sub = tokens.claims()?.sub;
  if (!sub) throw new Error('no ID token subject');
  const userinfo = await oidc.fetchUserInfo(attempt.client, tokens.access_token, sub);
  if (userinfo.sub !== sub) throw new Error('userinfo subject differs from the ID token');
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/**
 * `concurrency` loops repeat the operation; only operations that complete inside the measured
 * window count. Loops stop starting new operations when the window ends, so the job always ends.
 */
async function run(job: Job): Promise<JobResult> {
  let operation: (loop: number, iteration: number) => Promise<void>;
  let agent: http.Agent | undefined;
  if (job.kind === 'http') {
    const { request } = job;
    const jobAgent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
    agent = jobAgent;
    operation = () => httpOnce(jobAgent, request);
  } else {
    // fullLogin only reads the server's URL.
    const target = { url: job.url } as TestServer;
    const { students, secondPassword } = job;
    operation = (loop) => loginOnce(target, students[loop % students.length]!, secondPassword);
  }

  const start = performance.now();
  const windowStart = start + job.warmupSeconds * 1000;
  const windowEnd = windowStart + job.seconds * 1000;
  let count = 0;
  let errors = 0;
  let firstError: string | undefined;
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

  const loop = async (index: number) => {
    for (let iteration = 0; performance.now() < windowEnd; iteration += 1) {
      let failed: unknown;
      try {
        await operation(index, iteration);
      } catch (error) {
        failed = error;
      }
      const now = performance.now();
      if (now < windowStart || now > windowEnd) continue;
      if (failed === undefined) {
        count += 1;
      } else {
        errors += 1;
        firstError ??= (failed as Error).message?.split('\n')[0] ?? String(failed);
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, (_, index) => loop(index)));
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  agent?.destroy();
  if (!cpuInWindow && cpuAtStart) cpuInWindow = cpuMs(cpuAtStart);
  return { count, errors, firstError, seconds: job.seconds, cpuMs: cpuInWindow };
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
