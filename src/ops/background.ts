import { AsyncResource } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import { logger } from '../logger.js';

/**
 * Work a request leaves to be done after its answer: the answer must not wait for it, or take longer
 * when there is more of it (e.g. a forgotten-password request for a registered address, which issues a
 * token and queues a mail, against one for an unknown address, which does neither).
 *
 * Tasks run one at a time, in the order their answers were sent (two requests of one user take effect
 * in the order they were made). A task never fails its request: its error is logged (the task's name
 * and the error's class and code, never its message, which may hold what was typed). When `maxPending`
 * tasks are waiting, a new request's answer waits until there is room — for every request alike, so
 * the wait tells nothing about the request, and a flood of requests cannot pile up work without bound.
 *
 * A task is not lost on shutdown: the server's graceful stop drains these after the requests under way
 * have finished and before the mail outbox and the database close (src/server.ts). A process killed
 * outright loses what had not run; each task is something the user can simply ask for again.
 */
export class BackgroundTasks {
  private readonly pending = new Set<Promise<void>>();
  private readonly roomWaiters: Array<() => void> = [];
  /** The last task given its turn: the next one runs after it. */
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly maxPending = 100) {}

  /** Tasks scheduled and not finished (running, waiting for their turn, or for their answer to be sent). */
  get count(): number {
    return this.pending.size;
  }

  /**
   * Schedules `task` to run once `after` (the request's response) has been sent, or closed early by
   * the client; without it, as soon as its turn comes. Log lines the task writes keep the request's
   * id. Resolves once the task is scheduled: at once, unless maxPending tasks are waiting.
   */
  async run(name: string, task: () => Promise<void>, after?: ServerResponse): Promise<void> {
    while (this.pending.size >= this.maxPending) await new Promise<void>((resolve) => { this.roomWaiters.push(resolve); });
    const bound = AsyncResource.bind(task);
    const done = answered(after)
      .then(() => {
        const turn = this.tail.then(bound).catch((error: unknown) => {
          const { name: kind, code } = (error ?? {}) as { name?: unknown; code?: unknown };
          logger.error({ task: name, error: String(kind ?? 'unknown'), code: typeof code === 'string' ? code : undefined }, 'background task failed');
        });
        this.tail = turn;
        return turn;
      })
      .finally(() => {
        this.pending.delete(done);
        this.roomWaiters.shift()?.();
      });
    this.pending.add(done);
  }

  /**
   * Waits for every task scheduled so far (and any they schedule), at most `timeoutMs`. True when
   * none is left; false at the deadline (what is left is then abandoned, and logged).
   */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs)); });
    try {
      while (this.pending.size > 0) {
        const outcome = await Promise.race([Promise.allSettled([...this.pending]), deadline]);
        if (outcome === 'timeout') {
          logger.warn({ tasks: this.pending.size, timeoutMs }, 'shutdown deadline reached; background tasks abandoned');
          return false;
        }
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Resolves once the response has been handed to the connection, or the connection closed. */
function answered(response: ServerResponse | undefined): Promise<void> {
  if (!response || response.writableFinished || response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      response.off('finish', done);
      response.off('close', done);
      resolve();
    };
    response.once('finish', done);
    response.once('close', done);
  });
}
