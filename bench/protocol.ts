import type { TestStudent } from '../test/support/harness.js';

/** One HTTP request that a load loop repeats (node:http, keep-alive, body read to the end). */
export interface RequestSpec {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

interface JobTiming {
  /** Seconds of load before the measured window (not counted). */
  warmupSeconds: number;
  /** Length of the measured window. */
  seconds: number;
}

/** Complete logins against `issuer` (requests to it are forwarded, see bench/forwarding.ts). */
interface LoginTarget { issuer: string; students: TestStudent[]; secondPassword: string }

export type Job =
  /** `concurrency` loops; loop i repeats `requests[i % requests.length]` (each its own token, as relying parties have). */
  | ({ kind: 'http'; requests: RequestSpec[]; concurrency: number } & JobTiming)
  /** `concurrency` loops, each starting the next login when its last one ended (saturation). */
  | ({ kind: 'logins'; concurrency: number } & LoginTarget & JobTiming)
  /** Logins started at a fixed rate whatever the answers take (latency at a given load). */
  | ({ kind: 'paced-logins'; perSecond: number } & LoginTarget & JobTiming)
  /**
   * One login at a time, each of its requests alone on the server: the CPU that the server's threads
   * (/proc/<pid>/task/<tid>/schedstat, nanoseconds) and the database process spent while it ran.
   */
  | ({ kind: 'login-steps'; serverPid: number; databasePid?: number } & LoginTarget & JobTiming);

/** What one kind of request of a login cost, summed over the login-steps job's window. */
export interface StepCost {
  /** Method and path, ids replaced (`GET /auth/:uid`). */
  step: string;
  count: number;
  serverMainMs: number;
  serverOtherMs: number;
  databaseMs: number;
}

export interface JobResult {
  /** Operations completed inside the measured window. */
  count: number;
  /** Failed operations inside the measured window. */
  errors: number;
  firstError?: string;
  /** The window actually measured (seconds). */
  seconds: number;
  /** CPU time the load generator itself used inside the window (ms). */
  cpuMs: number;
  /** Durations of the operations that completed inside the window, ms, sorted. */
  latenciesMs: number[];
  /** login-steps: the cost of each kind of request inside the window. */
  steps?: StepCost[];
}

export type ToLoad = { type: 'job'; job: Job } | { type: 'exit' };
export type FromLoad =
  | { type: 'ready' }
  | { type: 'window'; at: 'start' | 'end' }
  | { type: 'result'; result: JobResult }
  | { type: 'failed'; message: string };
