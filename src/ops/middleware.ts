import type { Context, Next } from 'koa';
import { accessLog } from '../logger.js';
import type { Health } from './health.js';
import { routeLabel, type Metrics } from './metrics.js';
import { requestIdFrom, runWithRequestId } from './request-context.js';

/** Paths that probes and scrapers call: answered first, logged at debug level only. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

export interface InFlight { count: number; drained(): Promise<void> }

export function inFlightTracker(): InFlight & { enter(): void; leave(): void } {
  const waiters: Array<() => void> = [];
  const tracker = {
    count: 0,
    enter() { tracker.count += 1; },
    leave() {
      tracker.count -= 1;
      if (tracker.count === 0) for (const wake of waiters.splice(0)) wake();
    },
    drained(): Promise<void> {
      return tracker.count === 0 ? Promise.resolve() : new Promise<void>((resolve) => { waiters.push(resolve); });
    },
  };
  return tracker;
}

/** GET /healthz, GET /readyz (and HEAD): plain JSON, no cookies, no session, no database for /healthz. */
export async function answerHealth(ctx: Context, health: Health): Promise<boolean> {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return false;
  if (ctx.path === '/healthz') {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
    return true;
  }
  if (ctx.path === '/readyz') {
    const readiness = await health.readiness();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = readiness.ready ? { status: 'ready' } : { status: 'unready', reason: readiness.reason };
    return true;
  }
  return false;
}

export async function answerMetrics(ctx: Context, metrics: Metrics): Promise<boolean> {
  if (ctx.method !== 'GET' || ctx.path !== '/metrics') return false;
  const { contentType, body } = await metrics.render();
  ctx.set('Cache-Control', 'no-store');
  ctx.type = contentType;
  ctx.body = body;
  return true;
}

/**
 * The first middleware of the application: a request id for every request (X-Request-Id, kept in
 * every log line written while the request runs), one access-log line (method, route pattern,
 * status, duration — never the query string, a body, a cookie or a header value), the HTTP and
 * interaction-step metrics, the health endpoints, /metrics unless it has its own port, and the
 * in-flight count that graceful shutdown waits for. While shutting down, responses close their
 * connection so that keep-alive clients move to another replica.
 */
export function operationsMiddleware(options: { health: Health; metrics: Metrics; metricsOnMainPort: boolean; inFlight: ReturnType<typeof inFlightTracker> }) {
  const { health, metrics, metricsOnMainPort, inFlight } = options;
  return (ctx: Context, next: Next) => {
    const requestId = requestIdFrom(ctx.get('x-request-id') || undefined);
    ctx.set('X-Request-Id', requestId);
    ctx.state.requestId = requestId;
    return runWithRequestId(requestId, async () => {
      const started = performance.now();
      inFlight.enter();
      let failed = false;
      try {
        if (health.isShuttingDown) ctx.set('Connection', 'close');
        if (await answerHealth(ctx, health)) return;
        if (metricsOnMainPort && await answerMetrics(ctx, metrics)) return;
        await next();
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        inFlight.leave();
        const seconds = (performance.now() - started) / 1000;
        const status = failed ? 500 : ctx.status;
        const quiet = QUIET.has(ctx.path);
        const route = quiet ? ctx.path : routeLabel(ctx.path, (ctx as { _matchedRoute?: string })._matchedRoute);
        if (!quiet) metrics.request(ctx.method, route, status, seconds);
        const line = { method: ctx.method, route, status, ms: Math.round(seconds * 10000) / 10 };
        // An unready /readyz (503) is a probe's answer, not an error: probes stay at debug level.
        if (failed || (!quiet && status >= 500)) accessLog.warn(line, 'request');
        else if (quiet) accessLog.debug(line, 'request');
        else accessLog.info(line, 'request');
      }
    });
  };
}
