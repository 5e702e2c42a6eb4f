import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Koa from 'koa';
import { logger } from '../logger.js';
import type { Services } from '../services.js';
import { Health } from './health.js';
import { answerHealth, answerMetrics, inFlightTracker, operationsMiddleware } from './middleware.js';
import { Metrics } from './metrics.js';
import { closeGracefully } from './shutdown.js';

export { Health } from './health.js';
export { Metrics } from './metrics.js';

export interface Operations {
  health: Health;
  metrics: Metrics;
  /** The first middleware of the web application (see operationsMiddleware). */
  middleware: Koa.Middleware;
  /** Starts the separate metrics listener, when METRICS_PORT asks for one. */
  listen(): Promise<void>;
  /**
   * Readiness off; for `drainMs` requests are still served (answers close their connections) so that load
   * balancers take this instance out; then stop accepting, finish the requests under way (until `timeoutMs`),
   * close the metrics port.
   */
  shutdown(server: Server, timing: { drainMs: number; timeoutMs: number }): Promise<boolean>;
}

/**
 * Health, metrics, request ids and logs, graceful shutdown: what running many replicas behind a
 * Kubernetes Service needs. The metrics observe the services (the audit trail's login events, the
 * password hasher, the mail outbox, the database pool) without those knowing about Prometheus.
 */
export function createOperations(services: Services): Operations {
  const { database, hasher, outbox, audit, config, signIns } = services;
  const health = new Health(database);
  const outboxRows = database.dataSource.getRepository(database.entities.MailOutbox);
  const metrics = new Metrics({
    database,
    hashQueue: () => ({ queued: hasher.queued, active: hasher.active }),
    mailCounts: async () => ({
      pending: await outboxRows.countBy({ status: 'pending' }),
      failed: await outboxRows.countBy({ status: 'failed' }),
    }),
    pendingLogouts: () => signIns.pendingCount(),
  });
  hasher.observer = (operation, seconds) => metrics.passwordHash(operation, seconds);
  outbox.observer = (result) => metrics.mailDelivery(result);
  signIns.observer = (result) => metrics.backchannelLogout(result);
  const record = audit.record.bind(audit);
  audit.record = (event, options = {}) => {
    metrics.login(event, options.detail);
    return record(event, options);
  };

  const inFlight = inFlightTracker();
  const metricsPort = config.env.metricsPort;
  const separate = metricsPort !== undefined && metricsPort !== config.env.port;
  let metricsServer: Server | undefined;

  return {
    health,
    metrics,
    middleware: operationsMiddleware({ health, metrics, metricsOnMainPort: !separate, inFlight }) as Koa.Middleware,
    async listen() {
      if (!separate) return;
      // Only /metrics (and the probes) on this port: it is for the cluster's scraper, not for the ingress.
      const app = new Koa();
      app.use(async (ctx) => {
        if (await answerMetrics(ctx, metrics)) return;
        if (await answerHealth(ctx, health)) return;
        ctx.status = 404;
      });
      metricsServer = createServer(app.callback());
      await new Promise<void>((resolve, reject) => {
        metricsServer!.once('error', reject);
        metricsServer!.listen(metricsPort, '0.0.0.0', () => resolve());
      });
      logger.info({ port: metricsPort }, 'metrics listening');
    },
    async shutdown(server, { drainMs, timeoutMs }) {
      health.beginShutdown();
      if (drainMs > 0) {
        logger.info({ drainSeconds: drainMs / 1000 }, 'unready: still serving while load balancers take this instance out');
        await sleep(drainMs);
      }
      const finished = await closeGracefully(server, inFlight, timeoutMs);
      if (!finished) logger.warn({ inFlight: inFlight.count, timeoutMs }, 'shutdown deadline reached; open connections were closed');
      if (metricsServer) {
        const closing = new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
        metricsServer.closeAllConnections();
        await closing;
      }
      return finished;
    },
  };
}
